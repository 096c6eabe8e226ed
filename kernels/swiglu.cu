// Fused SwiGLU (swiglu.h): elementwise kernels over [rows, ff] (8 elements per thread when vectorised),
// then the launchers.
#include "device/elem_io.cuh"
#include "device/vec_io.cuh"

#include <lps/kernels/cuda_check.h>
#include <lps/kernels/swiglu.h>
#include <lps/kernels/swiglu_math.h>

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace lps::kernels {
namespace {

constexpr int kThreads = 256;
using device::kVec;

// Work item i covers kWidth consecutive elements of act: row i / (ff / kWidth), columns from (i % …)·kWidth.
template <class T, int kWidth>
__global__ void __launch_bounds__(kThreads) swiglu_forward_kernel(const T* __restrict__ gu, T* __restrict__ act,
                                                                  int64_t rows, int64_t ff) {
  const int64_t per_row = ff / kWidth, items = rows * per_row;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < items;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = i / per_row, j = (i % per_row) * kWidth;
    const T* grow = gu + r * 2 * ff;
    if constexpr (kWidth == kVec) {
      float g[kVec], u[kVec], a[kVec];
      device::load8(grow + j, g);
      device::load8(grow + ff + j, u);
#pragma unroll
      for (int e = 0; e < kVec; ++e) a[e] = fused::swiglu_value(g[e], u[e], expf(-g[e]));
      device::store8(act + r * ff + j, a);
    } else {
      const float g = device::load_elem(grow, j), u = device::load_elem(grow, ff + j);
      device::store_elem(act, r * ff + j, fused::swiglu_value(g, u, expf(-g)));
    }
  }
}

template <class T, int kWidth>
__global__ void __launch_bounds__(kThreads) swiglu_backward_kernel(const T* __restrict__ gu,
                                                                   const T* __restrict__ dact,
                                                                   T* __restrict__ dgu, int64_t rows, int64_t ff) {
  const int64_t per_row = ff / kWidth, items = rows * per_row;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < items;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = i / per_row, j = (i % per_row) * kWidth;
    const T* grow = gu + r * 2 * ff;
    T* drow = dgu + r * 2 * ff;
    if constexpr (kWidth == kVec) {
      float g[kVec], u[kVec], d[kVec], dg[kVec], du[kVec];
      device::load8(grow + j, g);
      device::load8(grow + ff + j, u);
      device::load8(dact + r * ff + j, d);
#pragma unroll
      for (int e = 0; e < kVec; ++e) {
        const auto grad = fused::swiglu_grad(g[e], u[e], d[e], expf(-g[e]));
        dg[e] = grad.dg;
        du[e] = grad.du;
      }
      device::store8(drow + j, dg);
      device::store8(drow + ff + j, du);
    } else {
      const float g = device::load_elem(grow, j), u = device::load_elem(grow, ff + j);
      const auto grad = fused::swiglu_grad(g, u, device::load_elem(dact, r * ff + j), expf(-g));
      device::store_elem(drow, j, grad.dg);
      device::store_elem(drow, ff + j, grad.du);
    }
  }
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

unsigned grid_for(int64_t items) {
  constexpr int64_t kMaxBlocks = 1 << 20;  // the loops stride over the rest
  const int64_t blocks = (items + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < kMaxBlocks ? (blocks < 1 ? 1 : blocks) : kMaxBlocks);
}

const char* check(int64_t rows, int64_t ff) {
  if (rows < 0 || ff <= 0) return "swiglu: rows must be >= 0 and ff > 0";
  return nullptr;
}

}  // namespace

LaunchStatus swiglu_forward(const void* gu, void* act, fused::DType dtype, int64_t rows, int64_t ff, Stream stream) {
  if (const char* problem = check(rows, ff)) return {false, problem};
  if (rows == 0) return {};
  if (gu == nullptr || act == nullptr) return {false, "swiglu_forward: null gu or act"};
  const bool vec = ff % kVec == 0 && aligned16(gu) && aligned16(act);
  device::with_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    const auto* in = static_cast<const T*>(gu);
    auto* out = static_cast<T*>(act);
    if (vec) {
      swiglu_forward_kernel<T, kVec><<<grid_for(rows * ff / kVec), kThreads, 0, stream>>>(in, out, rows, ff);
    } else {
      swiglu_forward_kernel<T, 1><<<grid_for(rows * ff), kThreads, 0, stream>>>(in, out, rows, ff);
    }
  });
  return last_launch_status();
}

LaunchStatus swiglu_backward(const void* gu, const void* dact, void* dgu, fused::DType dtype, int64_t rows,
                             int64_t ff, Stream stream) {
  if (const char* problem = check(rows, ff)) return {false, problem};
  if (rows == 0) return {};
  if (gu == nullptr || dact == nullptr || dgu == nullptr) return {false, "swiglu_backward: null gu, dact or dgu"};
  const bool vec = ff % kVec == 0 && aligned16(gu) && aligned16(dact) && aligned16(dgu);
  device::with_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    const auto* in = static_cast<const T*>(gu);
    const auto* d = static_cast<const T*>(dact);
    auto* out = static_cast<T*>(dgu);
    if (vec) {
      swiglu_backward_kernel<T, kVec><<<grid_for(rows * ff / kVec), kThreads, 0, stream>>>(in, d, out, rows, ff);
    } else {
      swiglu_backward_kernel<T, 1><<<grid_for(rows * ff), kThreads, 0, stream>>>(in, d, out, rows, ff);
    }
  });
  return last_launch_status();
}

}  // namespace lps::kernels
