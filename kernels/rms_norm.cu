// Fused RMSNorm (rms_norm.h): row kernels (one warp per row), the two weight-gradient stages, launchers.
#include "device/elem_io.cuh"
#include "device/row_reduce.cuh"

#include <lps/kernels/cuda_check.h>
#include <lps/kernels/rms_norm.h>

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace lps::kernels {
namespace {

constexpr int kThreads = 256;
constexpr int kRowsPerBlock = kThreads / fused::kWarp;
constexpr int kDwThreads = 128;  // columns per block of the weight-gradient stages

using device::load_elem;
using device::store_elem;
using fused::add_rn;
using fused::div_rn;
using fused::fma_rn;
using fused::mul_rn;

template <class TX, class TY>
__global__ void __launch_bounds__(kThreads) rms_forward_kernel(const TX* __restrict__ x, const float* __restrict__ w,
                                                               TY* __restrict__ y, float* __restrict__ rstd,
                                                               int64_t rows, int64_t dim, float eps) {
  const int lane = threadIdx.x % fused::kWarp;
  const int64_t r = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / fused::kWarp;
  if (r >= rows) return;  // whole warps leave together: r is uniform across a warp
  const TX* xr = x + r * dim;
  float acc = 0.0f;
  for (int64_t j = lane; j < dim; j += fused::kWarp) {
    const float v = load_elem(xr, j);
    acc = fma_rn(v, v, acc);
  }
  const float mean_square = div_rn(device::warp_sum(acc), static_cast<float>(dim));
  const float s = div_rn(1.0f, fused::sqrt_rn(add_rn(mean_square, eps)));
  if (lane == 0) rstd[r] = s;
  TY* yr = y + r * dim;
  for (int64_t j = lane; j < dim; j += fused::kWarp) store_elem(yr, j, mul_rn(mul_rn(load_elem(xr, j), s), w[j]));
}

template <class TD, class TX>
__global__ void __launch_bounds__(kThreads) rms_dx_kernel(const TD* __restrict__ dy, const TX* __restrict__ x,
                                                          const float* __restrict__ w,
                                                          const float* __restrict__ rstd, TX* __restrict__ dx,
                                                          int64_t rows, int64_t dim) {
  const int lane = threadIdx.x % fused::kWarp;
  const int64_t r = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / fused::kWarp;
  if (r >= rows) return;
  const TD* dyr = dy + r * dim;
  const TX* xr = x + r * dim;
  const float s = rstd[r];
  float acc = 0.0f;
  for (int64_t j = lane; j < dim; j += fused::kWarp) {
    const float g = mul_rn(load_elem(dyr, j), w[j]);
    acc = fma_rn(g, mul_rn(load_elem(xr, j), s), acc);
  }
  const float c = div_rn(device::warp_sum(acc), static_cast<float>(dim));
  TX* dxr = dx + r * dim;
  for (int64_t j = lane; j < dim; j += fused::kWarp) {
    const float g = mul_rn(load_elem(dyr, j), w[j]);
    const float xhat = mul_rn(load_elem(xr, j), s);
    store_elem(dxr, j, mul_rn(s, fma_rn(-xhat, c, g)));
  }
}

// Stage 1: workspace[c, j] = Σ_{rows r of chunk c, in order} dy[r, j] · (x[r, j] · rstd[r]).
template <class TD, class TX>
__global__ void __launch_bounds__(kDwThreads) rms_dw_partial_kernel(const TD* __restrict__ dy,
                                                                    const TX* __restrict__ x,
                                                                    const float* __restrict__ rstd,
                                                                    float* __restrict__ workspace, int64_t rows,
                                                                    int64_t dim) {
  const int64_t j = static_cast<int64_t>(blockIdx.x) * kDwThreads + threadIdx.x;
  if (j >= dim) return;
  const int64_t chunk = rms::dw_chunk_rows(rows), c = blockIdx.y;
  const int64_t end = (c + 1) * chunk < rows ? (c + 1) * chunk : rows;
  float part = 0.0f;
  for (int64_t r = c * chunk; r < end; ++r) part = fma_rn(load_elem(dy, r * dim + j), mul_rn(load_elem(x, r * dim + j), rstd[r]), part);
  workspace[c * dim + j] = part;
}

// Stage 2: dweight[j] = Σ_c workspace[c, j], chunks in order.
__global__ void __launch_bounds__(kDwThreads) rms_dw_total_kernel(const float* __restrict__ workspace,
                                                                  float* __restrict__ dweight, int64_t chunks,
                                                                  int64_t dim) {
  const int64_t j = static_cast<int64_t>(blockIdx.x) * kDwThreads + threadIdx.x;
  if (j >= dim) return;
  float total = 0.0f;
  for (int64_t c = 0; c < chunks; ++c) total = add_rn(total, workspace[c * dim + j]);
  dweight[j] = total;
}

unsigned row_blocks(int64_t rows) { return static_cast<unsigned>((rows + kRowsPerBlock - 1) / kRowsPerBlock); }
unsigned col_blocks(int64_t dim) { return static_cast<unsigned>((dim + kDwThreads - 1) / kDwThreads); }

const char* check_shape(int64_t rows, int64_t dim) {
  if (rows < 0 || dim <= 0) return "rms_norm: rows must be >= 0 and dim > 0";
  if ((rows + kRowsPerBlock - 1) / kRowsPerBlock > 2147483647) return "rms_norm: too many rows for one launch";
  return nullptr;
}

}  // namespace

LaunchStatus rms_norm_forward(const RmsNormForwardParams& p, Stream stream) {
  if (const char* problem = check_shape(p.rows, p.dim)) return {false, problem};
  if (p.rows == 0) return {};
  if (p.x == nullptr || p.weight == nullptr || p.y == nullptr || p.rstd == nullptr)
    return {false, "rms_norm_forward: null x, weight, y or rstd"};
  if (!(p.eps >= 0.0f)) return {false, "rms_norm_forward: eps must be >= 0"};
  device::with_dtype(p.x_dtype, [&](auto tx) {
    using TX = decltype(tx);
    device::with_dtype(p.y_dtype, [&](auto ty) {
      using TY = decltype(ty);
      rms_forward_kernel<TX, TY><<<row_blocks(p.rows), kThreads, 0, stream>>>(
          static_cast<const TX*>(p.x), p.weight, static_cast<TY*>(p.y), p.rstd, p.rows, p.dim, p.eps);
    });
  });
  return last_launch_status();
}

LaunchStatus rms_norm_backward(const RmsNormBackwardParams& p, Stream stream) {
  if (const char* problem = check_shape(p.rows, p.dim)) return {false, problem};
  if (p.dy == nullptr || p.x == nullptr || p.weight == nullptr || p.rstd == nullptr)
    return {false, "rms_norm_backward: null dy, x, weight or rstd"};
  if (p.dweight != nullptr && p.workspace == nullptr)
    return {false, "rms_norm_backward: dweight needs a [dw_chunks(rows), dim] workspace"};
  if (p.rows == 0) {
    if (p.dweight != nullptr) {
      if (auto st = status_from_cuda(cudaMemsetAsync(p.dweight, 0, sizeof(float) * p.dim, stream)); !st.ok) return st;
    }
    return {};
  }
  device::with_dtype(p.dy_dtype, [&](auto td) {
    using TD = decltype(td);
    device::with_dtype(p.x_dtype, [&](auto tx) {
      using TX = decltype(tx);
      const auto* dy = static_cast<const TD*>(p.dy);
      const auto* x = static_cast<const TX*>(p.x);
      if (p.dx != nullptr) {
        rms_dx_kernel<TD, TX><<<row_blocks(p.rows), kThreads, 0, stream>>>(dy, x, p.weight, p.rstd,
                                                                          static_cast<TX*>(p.dx), p.rows, p.dim);
      }
      if (p.dweight != nullptr) {
        const dim3 grid(col_blocks(p.dim), static_cast<unsigned>(rms::dw_chunks(p.rows)));
        rms_dw_partial_kernel<TD, TX><<<grid, kDwThreads, 0, stream>>>(dy, x, p.rstd, p.workspace, p.rows, p.dim);
        rms_dw_total_kernel<<<col_blocks(p.dim), kDwThreads, 0, stream>>>(p.workspace, p.dweight,
                                                                         rms::dw_chunks(p.rows), p.dim);
      }
    });
  });
  return last_launch_status();
}

}  // namespace lps::kernels
