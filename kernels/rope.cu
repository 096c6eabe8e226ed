// Fused RoPE on the QKV projection (rope.h): a thread per (token, q/k/v, head, j) pair, then the launchers.
#include "device/elem_io.cuh"

#include <lps/kernels/cuda_check.h>
#include <lps/kernels/rope.h>
#include <lps/kernels/rope_math.h>

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace lps::kernels {
namespace {

constexpr int kThreads = 256;
constexpr int64_t kMaxBlocks = 1 << 20;  // the loops stride over the rest

template <class T>
__global__ void __launch_bounds__(kThreads) rope_forward_kernel(const T* __restrict__ qkv,
                                                                const float* __restrict__ cos,
                                                                const float* __restrict__ sin, T* __restrict__ q,
                                                                T* __restrict__ k, T* __restrict__ v,
                                                                RopeShape sh) {
  const int64_t half = sh.head_dim / 2, items = sh.tokens * fused::kQkvSlots * sh.heads * half;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < items;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const auto it = fused::rope_item(i, sh.heads, half);
    const T* in = qkv + fused::qkv_head_offset(it, sh.heads, sh.head_dim);
    T* out = (it.slot == 0 ? q : it.slot == 1 ? k : v) + fused::out_head_offset(it, sh.heads, sh.head_dim);
    const float x1 = device::load_elem(in, it.j), x2 = device::load_elem(in, it.j + half);
    float y1 = x1, y2 = x2;
    if (it.slot != 2) {
      const int64_t c = (it.token % sh.seq_len) * half + it.j;
      fused::rope_rotate(x1, x2, cos[c], sin[c], y1, y2);
    }
    device::store_elem(out, it.j, y1);
    device::store_elem(out, it.j + half, y2);
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads) rope_backward_kernel(const T* __restrict__ dq, const T* __restrict__ dk,
                                                                 const T* __restrict__ dv,
                                                                 const float* __restrict__ cos,
                                                                 const float* __restrict__ sin,
                                                                 T* __restrict__ dqkv, RopeShape sh) {
  const int64_t half = sh.head_dim / 2, items = sh.tokens * fused::kQkvSlots * sh.heads * half;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < items;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const auto it = fused::rope_item(i, sh.heads, half);
    const T* in = it.slot == 0 ? dq : it.slot == 1 ? dk : dv;
    T* out = dqkv + fused::qkv_head_offset(it, sh.heads, sh.head_dim);
    float g1 = 0.0f, g2 = 0.0f;
    if (in != nullptr) {
      in += fused::out_head_offset(it, sh.heads, sh.head_dim);
      const float d1 = device::load_elem(in, it.j), d2 = device::load_elem(in, it.j + half);
      g1 = d1;
      g2 = d2;
      if (it.slot != 2) {
        const int64_t c = (it.token % sh.seq_len) * half + it.j;
        fused::rope_rotate_back(d1, d2, cos[c], sin[c], g1, g2);
      }
    }
    device::store_elem(out, it.j, g1);
    device::store_elem(out, it.j + half, g2);
  }
}

const char* check(const RopeShape& sh, const float* cos, const float* sin) {
  if (sh.tokens < 0 || sh.seq_len <= 0 || sh.heads <= 0 || sh.head_dim <= 0)
    return "rope_qkv: tokens must be >= 0, seq_len, heads and head_dim > 0";
  if (sh.head_dim % 2 != 0) return "rope_qkv: head_dim must be even";
  if (sh.tokens > 0 && (cos == nullptr || sin == nullptr)) return "rope_qkv: null cos or sin";
  return nullptr;
}

unsigned grid_for(const RopeShape& sh) {
  const int64_t items = sh.tokens * fused::kQkvSlots * sh.heads * (sh.head_dim / 2);
  const int64_t blocks = (items + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < kMaxBlocks ? (blocks < 1 ? 1 : blocks) : kMaxBlocks);
}

}  // namespace

LaunchStatus rope_qkv_forward(const void* qkv, const float* cos, const float* sin, void* q, void* k, void* v,
                              fused::DType dtype, const RopeShape& shape, Stream stream) {
  if (const char* problem = check(shape, cos, sin)) return {false, problem};
  if (shape.tokens == 0) return {};
  if (qkv == nullptr || q == nullptr || k == nullptr || v == nullptr) return {false, "rope_qkv_forward: null tensor"};
  device::with_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    rope_forward_kernel<T><<<grid_for(shape), kThreads, 0, stream>>>(
        static_cast<const T*>(qkv), cos, sin, static_cast<T*>(q), static_cast<T*>(k), static_cast<T*>(v), shape);
  });
  return last_launch_status();
}

LaunchStatus rope_qkv_backward(const void* dq, const void* dk, const void* dv, const float* cos, const float* sin,
                               void* dqkv, fused::DType dtype, const RopeShape& shape, Stream stream) {
  if (const char* problem = check(shape, cos, sin)) return {false, problem};
  if (shape.tokens == 0) return {};
  if (dqkv == nullptr) return {false, "rope_qkv_backward: null dqkv"};
  device::with_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    rope_backward_kernel<T><<<grid_for(shape), kThreads, 0, stream>>>(
        static_cast<const T*>(dq), static_cast<const T*>(dk), static_cast<const T*>(dv), cos, sin,
        static_cast<T*>(dqkv), shape);
  });
  return last_launch_status();
}

}  // namespace lps::kernels
