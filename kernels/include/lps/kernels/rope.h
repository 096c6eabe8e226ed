// Fused RoPE on the fused QKV projection: one kernel reads qkv once and writes q and k rotated and v copied,
// each in the [tokens, heads, head_dim] layout attention reads (as a [B, H, T, hd] view); the backward writes
// the whole dqkv in one pass. FP32 math with FP32 cos/sin, one rounding per stored value. Indexing and the
// rotation: rope_math.h, shared with the reference (rope_ref.h), which the kernels match bit for bit.
#pragma once

#include <lps/kernels/fused_math.h>
#include <lps/kernels/stream.h>

#include <cstdint>

namespace lps::kernels {

struct RopeShape {
  int64_t tokens = 0;    // B·T; token n is at position n % seq_len
  int64_t seq_len = 0;   // T: rows of cos/sin used
  int64_t heads = 0;     // H
  int64_t head_dim = 0;  // hd, even
};

// qkv [tokens, 3, H, hd] (q heads, k heads, v heads), cos/sin [seq_len, hd/2] FP32 -> q, k, v [tokens, H, hd]
// (qkv's dtype): each head's halves (x1, x2) ↦ (x1·cos − x2·sin, x2·cos + x1·sin) for q and k; v copied.
LaunchStatus rope_qkv_forward(const void* qkv, const float* cos, const float* sin, void* q, void* k, void* v,
                              fused::DType dtype, const RopeShape& shape, Stream stream);

// dq, dk, dv [tokens, H, hd] -> dqkv [tokens, 3, H, hd]: the transposed rotation
// (dy1, dy2) ↦ (dy1·cos + dy2·sin, dy2·cos − dy1·sin) for q and k; dv copied. Any of dq, dk, dv may be null
// (a zero gradient).
LaunchStatus rope_qkv_backward(const void* dq, const void* dk, const void* dv, const float* cos, const float* sin,
                               void* dqkv, fused::DType dtype, const RopeShape& shape, Stream stream);

}  // namespace lps::kernels
