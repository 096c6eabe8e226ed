// Plain C++ reference of kernels/rope.cu (header-only, no CUDA, no torch), built from the same indexing and
// rotation (rope_math.h): the GPU must match it bit for bit (after the caller rounds to the kernel's dtype).
#pragma once

#include <lps/kernels/rope.h>
#include <lps/kernels/rope_math.h>

#include <cstdint>

namespace lps::kernels::ref {

// qkv [tokens, 3, H, hd], cos/sin [seq_len, hd/2] -> q, k, v [tokens, H, hd] (unrounded FP32)
inline void rope_qkv_forward(const float* qkv, const float* cos, const float* sin, const RopeShape& sh, float* q,
                             float* k, float* v) {
  const int64_t half = sh.head_dim / 2, items = sh.tokens * fused::kQkvSlots * sh.heads * half;
  float* outs[fused::kQkvSlots] = {q, k, v};
  for (int64_t i = 0; i < items; ++i) {
    const auto it = fused::rope_item(i, sh.heads, half);
    const float* in = qkv + fused::qkv_head_offset(it, sh.heads, sh.head_dim);
    float* out = outs[it.slot] + fused::out_head_offset(it, sh.heads, sh.head_dim);
    const float x1 = in[it.j], x2 = in[it.j + half];
    if (it.slot == 2) {
      out[it.j] = x1;
      out[it.j + half] = x2;
      continue;
    }
    const int64_t t = it.token % sh.seq_len;
    fused::rope_rotate(x1, x2, cos[t * half + it.j], sin[t * half + it.j], out[it.j], out[it.j + half]);
  }
}

// dq, dk, dv [tokens, H, hd] -> dqkv [tokens, 3, H, hd] (unrounded FP32)
inline void rope_qkv_backward(const float* dq, const float* dk, const float* dv, const float* cos, const float* sin,
                              const RopeShape& sh, float* dqkv) {
  const int64_t half = sh.head_dim / 2, items = sh.tokens * fused::kQkvSlots * sh.heads * half;
  const float* ins[fused::kQkvSlots] = {dq, dk, dv};
  for (int64_t i = 0; i < items; ++i) {
    const auto it = fused::rope_item(i, sh.heads, half);
    const float* in = ins[it.slot] + fused::out_head_offset(it, sh.heads, sh.head_dim);
    float* out = dqkv + fused::qkv_head_offset(it, sh.heads, sh.head_dim);
    const float d1 = in[it.j], d2 = in[it.j + half];
    if (it.slot == 2) {
      out[it.j] = d1;
      out[it.j + half] = d2;
      continue;
    }
    const int64_t t = it.token % sh.seq_len;
    fused::rope_rotate_back(d1, d2, cos[t * half + it.j], sin[t * half + it.j], out[it.j], out[it.j + half]);
  }
}

}  // namespace lps::kernels::ref
