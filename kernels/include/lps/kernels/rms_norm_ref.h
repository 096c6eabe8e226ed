// Plain C++ reference of kernels/rms_norm.cu (header-only, no CUDA, no torch). It replays the kernels'
// order of operations — 32 lane partials over columns l, l+32, …, the butterfly, explicit roundings, the
// weight gradient's row chunks — so the GPU must match it bit for bit (inputs widened to float first; the
// caller rounds outputs to BF16 with fused::round_to_bf16 where the kernel stores BF16).
#pragma once

#include <lps/kernels/fused_math.h>
#include <lps/kernels/rms_norm.h>

#include <cstdint>
#include <vector>

namespace lps::kernels::ref {

// The warp's Σ_j a[j]·b[j] over one row of `dim`, in the kernel's order.
inline float row_dot(const float* a, const float* b, int64_t dim) {
  float lanes[fused::kWarp] = {};
  for (int l = 0; l < fused::kWarp; ++l)
    for (int64_t j = l; j < dim; j += fused::kWarp) lanes[l] = fused::fma_rn(a[j], b[j], lanes[l]);
  return fused::butterfly_sum_host(lanes);
}

inline float rms_norm_rstd(const float* x, int64_t dim, float eps) {
  const float mean_square = fused::div_rn(row_dot(x, x, dim), static_cast<float>(dim));
  return fused::div_rn(1.0f, fused::sqrt_rn(fused::add_rn(mean_square, eps)));
}

// x [rows, dim], weight [dim] -> y [rows, dim] (unrounded FP32), rstd [rows].
inline void rms_norm_forward(const float* x, const float* weight, int64_t rows, int64_t dim, float eps, float* y,
                             float* rstd) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * dim;
    const float s = rms_norm_rstd(xr, dim, eps);
    rstd[r] = s;
    for (int64_t j = 0; j < dim; ++j) y[r * dim + j] = fused::mul_rn(fused::mul_rn(xr[j], s), weight[j]);
  }
}

// dy, x [rows, dim], weight [dim], rstd [rows] -> dx [rows, dim] (unrounded FP32), dweight [dim].
inline void rms_norm_backward(const float* dy, const float* x, const float* weight, const float* rstd, int64_t rows,
                              int64_t dim, float* dx, float* dweight) {
  std::vector<float> g(static_cast<size_t>(dim)), xhat(static_cast<size_t>(dim));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < dim; ++j) {
      g[j] = fused::mul_rn(dy[r * dim + j], weight[j]);
      xhat[j] = fused::mul_rn(x[r * dim + j], rstd[r]);
    }
    const float c = fused::div_rn(row_dot(g.data(), xhat.data(), dim), static_cast<float>(dim));
    for (int64_t j = 0; j < dim; ++j) dx[r * dim + j] = fused::mul_rn(rstd[r], fused::fma_rn(-xhat[j], c, g[j]));
  }
  const int64_t chunk = rms::dw_chunk_rows(rows), chunks = rms::dw_chunks(rows);
  for (int64_t j = 0; j < dim; ++j) {
    float total = 0.0f;
    for (int64_t c = 0; c < chunks; ++c) {
      float part = 0.0f;
      for (int64_t r = c * chunk; r < rows && r < (c + 1) * chunk; ++r)
        part = fused::fma_rn(dy[r * dim + j], fused::mul_rn(x[r * dim + j], rstd[r]), part);
      total = fused::add_rn(total, part);
    }
    dweight[j] = total;
  }
}

}  // namespace lps::kernels::ref
