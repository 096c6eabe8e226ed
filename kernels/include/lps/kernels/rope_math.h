// RoPE indexing and rotation shared by kernels/rope.cu and the reference (rope_ref.h): one work item is one
// (token, slot ∈ {q, k, v}, head, j < hd/2) pair of elements (j, j + hd/2).
#pragma once

#include <lps/kernels/fused_math.h>

#include <cstdint>

namespace lps::kernels::fused {

inline constexpr int64_t kQkvSlots = 3;  // q, k, v

struct RopeItem {
  int64_t token;
  int64_t slot;  // 0 = q, 1 = k, 2 = v
  int64_t head;
  int64_t j;     // < hd/2
};

// Item `index` of tokens · 3 · heads · half; j varies fastest (adjacent threads touch adjacent elements).
LPS_HD RopeItem rope_item(int64_t index, int64_t heads, int64_t half) {
  RopeItem it;
  it.j = index % half;
  index /= half;
  it.head = index % heads;
  index /= heads;
  it.slot = index % kQkvSlots;
  it.token = index / kQkvSlots;
  return it;
}
// Offset of element 0 of a head in qkv [tokens, 3, heads, hd] and in q/k/v [tokens, heads, hd].
LPS_HD int64_t qkv_head_offset(const RopeItem& it, int64_t heads, int64_t head_dim) {
  return ((it.token * kQkvSlots + it.slot) * heads + it.head) * head_dim;
}
LPS_HD int64_t out_head_offset(const RopeItem& it, int64_t heads, int64_t head_dim) {
  return (it.token * heads + it.head) * head_dim;
}

// (x1, x2) ↦ (x1·c − x2·s, x2·c + x1·s)
LPS_HD void rope_rotate(float x1, float x2, float c, float s, float& y1, float& y2) {
  y1 = fma_rn(x1, c, -mul_rn(x2, s));
  y2 = fma_rn(x2, c, mul_rn(x1, s));
}
// The transpose: (d1, d2) ↦ (d1·c + d2·s, d2·c − d1·s)
LPS_HD void rope_rotate_back(float d1, float d2, float c, float s, float& g1, float& g2) {
  g1 = fma_rn(d1, c, mul_rn(d2, s));
  g2 = fma_rn(d2, c, -mul_rn(d1, s));
}

}  // namespace lps::kernels::fused
