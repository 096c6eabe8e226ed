// Fused RMSNorm forward and backward (FP32 math whatever the storage dtype), with a deterministic weight
// gradient (a fixed-order two-stage column reduction; no float atomics, so deterministic-mode resume stays
// bit-exact). One warp per row: lane l handles columns l, l+32, l+64, … in that order, and the row sums go
// through the butterfly of fused_math.h. Reference: rms_norm_ref.h, which replays this order bit for bit.
#pragma once

#include <lps/kernels/fused_math.h>
#include <lps/kernels/stream.h>

#include <cstdint>

namespace lps::kernels {

namespace rms {
// The weight gradient's first stage sums dw_chunk_rows(rows) consecutive rows per chunk (a thread per column
// and chunk, rows in order); the second stage sums the chunks in order.
inline constexpr int64_t kMaxDwChunks = 256;
LPS_HD int64_t dw_chunk_rows(int64_t rows) { return rows <= 0 ? 1 : (rows + kMaxDwChunks - 1) / kMaxDwChunks; }
LPS_HD int64_t dw_chunks(int64_t rows) { return rows <= 0 ? 0 : (rows + dw_chunk_rows(rows) - 1) / dw_chunk_rows(rows); }
}  // namespace rms

struct RmsNormForwardParams {
  const void* x = nullptr;       // [rows, dim] row-major, x_dtype
  fused::DType x_dtype = fused::DType::kF32;
  const float* weight = nullptr; // [dim] FP32
  void* y = nullptr;             // [rows, dim], y_dtype: y = (x · rstd) · weight, rounded once
  fused::DType y_dtype = fused::DType::kF32;
  float* rstd = nullptr;         // [rows] FP32: 1 / sqrt(Σx²/dim + eps), saved for the backward
  int64_t rows = 0;
  int64_t dim = 0;
  float eps = 1e-5f;
};

struct RmsNormBackwardParams {
  const void* dy = nullptr;      // [rows, dim], dy_dtype (the dtype of y)
  fused::DType dy_dtype = fused::DType::kF32;
  const void* x = nullptr;       // [rows, dim], x_dtype
  fused::DType x_dtype = fused::DType::kF32;
  const float* weight = nullptr; // [dim]
  const float* rstd = nullptr;   // [rows] from the forward
  void* dx = nullptr;            // [rows, dim], x_dtype: rstd · (g − x̂ · Σ(g·x̂)/dim), g = dy·w, x̂ = x·rstd
  float* dweight = nullptr;      // [dim] FP32: Σ_rows dy · x̂ (overwritten, not accumulated)
  float* workspace = nullptr;    // [rms::dw_chunks(rows), dim] FP32 scratch for the weight gradient
  int64_t rows = 0;
  int64_t dim = 0;
};

LaunchStatus rms_norm_forward(const RmsNormForwardParams& p, Stream stream);
// dx and dweight are each optional (null: not computed; workspace is needed only with dweight).
LaunchStatus rms_norm_backward(const RmsNormBackwardParams& p, Stream stream);

}  // namespace lps::kernels
