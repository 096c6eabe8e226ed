// The fused per-thread pipeline of the quantizer kernels. A thread holds 8 consecutive elements (along K)
// of one operand row; the 2 (NVFP4), 4 (MXFP4) or kH/8 (Hadamard) lanes of a group cooperate through warp
// shuffles: rotate (signs, then H) → scale → quantize → outputs (codes + scales | dequantised | E4M3 with
// 1×128 block scales) → trust mask. Every rule is quantizer.h's, bit for bit.
#pragma once

#include <lps/kernels/quantize.h>

#include "block_hadamard.cuh"
#include "counter_hash.cuh"
#include "fp_formats.cuh"
#include "lane_group.cuh"
#include "scale_rules.cuh"
#include "vec_io.cuh"

#include <cuda_bf16.h>

#include <climits>

namespace lps::kernels::device {

inline constexpr int kMxGroup = 32;  // MXFP4: 32 elements share an E8M0 scale
inline constexpr int kNvGroup = 16;  // NVFP4: 16 elements share an E4M3 scale

// Where this thread's 8 elements live: row `row` of the [out_rows, K] operand, columns k0 .. k0+7.
struct ChunkPos {
  int64_t row = 0;
  int64_t k0 = 0;
  int64_t K = 0;
  int64_t out_rows = 0;
  int64_t off = 0;      // row·K + k0: offset of the chunk in the [out_rows, K] outputs, SR counter base
  uint32_t signs = 0;   // random signs of k0 .. k0+7: bit i set = negate (sign_bits8)
  bool active = false;  // false for padding lanes (they still take part in shuffles, with zeros)

  [[nodiscard]] __device__ int64_t offset() const { return off; }
};

// Bits of random_sign(key, k0 + i) for i = 0..7 (bit set = -1): the top bit of each hash.
__device__ __forceinline__ uint32_t sign_bits8(uint64_t key, int64_t k0) {
  uint32_t bits = 0;
#pragma unroll
  for (int i = 0; i < kVec; ++i) bits |= (hash32(key, static_cast<uint64_t>(k0 + i)) >> 31) << i;
  return bits;
}

template <int kH>
__device__ __forceinline__ void rotate_chunk(float (&v)[kVec], const ChunkPos& pos, const QuantizeParams& p,
                                             int lane) {
  if (p.random_signs) {
#pragma unroll
    for (int i = 0; i < kVec; ++i) v[i] = __uint_as_float(__float_as_uint(v[i]) ^ (((pos.signs >> i) & 1u) << 31));
  }
  if constexpr (kH > 0) {
    hadamard_unnormalised<kH>(v, lane % (kH / kVec));
    const float c = hadamard_scale<kH>();
#pragma unroll
    for (int i = 0; i < kVec; ++i) v[i] = __fmul_rn(v[i], c);
  }
}

// Draws u = u24 · 2^-24 for element k0 + i of this row.
__device__ __forceinline__ float element_uniform(const QuantizeParams& p, const ChunkPos& pos, int i) {
  return uniform01(p.sr_key, static_cast<uint64_t>(pos.offset() + i));
}

__device__ __forceinline__ void store_bytes8(uint8_t* dst, const uint32_t (&b)[kVec]) {
  const uint32_t lo = b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24);
  const uint32_t hi = b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24);
  *reinterpret_cast<uint2*>(dst) = make_uint2(lo, hi);
}

__device__ __forceinline__ void store_dequantized(const float (&d)[kVec], const ChunkPos& pos,
                                                  const QuantizeParams& p) {
  if (p.out_dtype == OutDType::kF32) {
    store8(static_cast<float*>(p.dequantized) + pos.offset(), d);
  } else {
    store8(static_cast<__nv_bfloat16*>(p.dequantized) + pos.offset(), d);
  }
}

__device__ __forceinline__ void store_mask(const uint32_t (&m)[kVec], const ChunkPos& pos, const QuantizeParams& p) {
  if (p.mask != nullptr && pos.active) store_bytes8(p.mask + pos.offset(), m);
}

__device__ __forceinline__ uint32_t pack_nibbles(const uint32_t (&c)[kVec]) {
  uint32_t packed = 0;
#pragma unroll
  for (int i = 0; i < kVec; ++i) packed |= (c[i] & 0xFu) << (4 * i);
  return packed;
}

// ---- MXFP4 → E4M3 with 1×128 block scales ---------------------------------------------------------------
__device__ __forceinline__ void mxfp4_fp8_blocks(const uint32_t (&c)[kVec], const MxScale& s, const ChunkPos& pos,
                                                 const QuantizeParams& p, int lane) {
  constexpr int kGroupLanes = kMxGroup / kVec;
  constexpr int kBlockLanes = kFp8BlockSize / kVec;
  bool nonzero = false;
#pragma unroll
  for (int i = 0; i < kVec; ++i) nonzero |= (c[i] & 7u) != 0;
  const bool group_nonzero = group_any<kGroupLanes>(nonzero) && !s.nonfinite;
  const int e = static_cast<int>(s.code);
  const int e_block = group_max_int<kBlockLanes>(group_nonzero ? e : INT_MIN);
  const bool inexact = s.nonfinite || (group_nonzero && e_block - e > kFp8MaxExactSpan);
  const bool block_inexact = group_any<kBlockLanes>(inexact);
  const int shift = (e_block == INT_MIN ? 0 : e - e_block) + kFp8BlockShift;
  const float mul = exp2i(max(shift, -126));
  uint32_t bytes[kVec];
#pragma unroll
  for (int i = 0; i < kVec; ++i) bytes[i] = e4m3_rtn(__fmul_rn(e2m1_value(c[i]), mul));
  if (!pos.active) return;
  store_bytes8(p.codes + pos.offset(), bytes);
  if (lane % kBlockLanes == 0) {
    const int64_t kb = pos.k0 / kFp8BlockSize;
    p.block_scales[kb * pos.out_rows + pos.row] =
        e_block == INT_MIN ? 1.0f : exp2i(e_block - kE8m0Bias - kFp8BlockShift);
    if (block_inexact && p.inexact_blocks != nullptr) atomicAdd(p.inexact_blocks, 1);
  }
}

// ---- MXFP4 ------------------------------------------------------------------------------------------
__device__ __forceinline__ void mxfp4_chunk(const float (&v)[kVec], const ChunkPos& pos, const QuantizeParams& p,
                                            int lane) {
  constexpr int kLanes = kMxGroup / kVec;
  const MxScale s = mx_group_scale<kLanes>(v, p.scale_rule);
  const bool quest = is_quest_family(p.scale_rule);
  uint32_t c[kVec];
  uint32_t m[kVec];
#pragma unroll
  for (int i = 0; i < kVec; ++i) {
    if (s.nonfinite) {
      c[i] = 0;
      m[i] = 0;
      continue;
    }
    const float y = mx_scaled(v[i], s, p.scale_rule);
    c[i] = p.rounding == QRounding::kSr ? e2m1_sr(y, element_uniform(p, pos, i)) : e2m1_rtn(y);
    const float a = fabsf(y);
    m[i] = (quest ? a < kE2m1Max : a <= kE2m1Max) ? 1u : 0u;
  }
  store_mask(m, pos, p);
  switch (p.output) {
    case QOutput::kPacked:
      if (!pos.active) return;
      *reinterpret_cast<uint32_t*>(p.codes + pos.offset() / 2) = pack_nibbles(c);
      if (lane % kLanes == 0) {
        if (p.scales != nullptr) p.scales[pos.offset() / kMxGroup] = s.code;  // 0 / 0xFF for quest_fp32
        if (p.scale_rule == QScaleRule::kQuestFp32) p.fp32_scales[pos.offset() / kMxGroup] = s.fp32;
      }
      return;
    case QOutput::kDequantized: {
      float d[kVec];
#pragma unroll
      for (int i = 0; i < kVec; ++i) d[i] = __fmul_rn(e2m1_value(c[i]), s.dequant);
      if (pos.active) store_dequantized(d, pos, p);
      return;
    }
    case QOutput::kFp8Blocks: mxfp4_fp8_blocks(c, s, pos, p, lane); return;
  }
}

// ---- NVFP4 ------------------------------------------------------------------------------------------
template <int kLanes>
__device__ __forceinline__ float squared_error(const float (&v)[kVec], const uint32_t (&c)[kVec], float S) {
  float e[kVec];
#pragma unroll
  for (int i = 0; i < kVec; ++i) {
    const float d = __fsub_rn(__fmul_rn(e2m1_value(c[i]), S), v[i]);
    e[i] = __fmul_rn(d, d);
  }
  return tree_sum<kLanes>(e);
}

__device__ __forceinline__ void nvfp4_chunk(const float (&v)[kVec], const ChunkPos& pos, const QuantizeParams& p,
                                            int lane, float T) {
  constexpr int kLanes = kNvGroup / kVec;
  bool nonfinite = false;
  const float amax = group_amax<kLanes>(v, nonfinite);
  const bool sr = p.rounding == QRounding::kSr;
  NvScale s = nv_block_scale(amax, 6.0f, T, sr);
  uint32_t c[kVec];
#pragma unroll
  for (int i = 0; i < kVec; ++i) {
    const float y = nv_scaled(v[i], s.S);
    c[i] = sr ? e2m1_sr(y, element_uniform(p, pos, i)) : e2m1_rtn(y);
  }
  if (p.scale_rule == QScaleRule::kFourOverSix) {
    const NvScale s4 = nv_block_scale(amax, 4.0f, T, false);
    uint32_t c4[kVec];
#pragma unroll
    for (int i = 0; i < kVec; ++i) c4[i] = e2m1_rtn(nv_scaled(v[i], s4.S));
    const float err6 = squared_error<kLanes>(v, c, s.S);
    const float err4 = squared_error<kLanes>(v, c4, s4.S);
    if (err4 < err6) {
      s = s4;
#pragma unroll
      for (int i = 0; i < kVec; ++i) c[i] = c4[i];
    }
  }
  // The mask is that of the values as encoded (before MS-EDEN's scale correction).
  uint32_t m[kVec];
#pragma unroll
  for (int i = 0; i < kVec; ++i) m[i] = (!nonfinite && fabsf(nv_scaled(v[i], s.S)) <= kE2m1Max) ? 1u : 0u;
  if (p.scale_rule == QScaleRule::kMsEden) {  // every lane: the tree sums shuffle with the full mask
    float num[kVec];
    float den[kVec];
#pragma unroll
    for (int i = 0; i < kVec; ++i) {
      num[i] = __fmul_rn(v[i], v[i]);
      den[i] = __fmul_rn(v[i], __fmul_rn(e2m1_value(c[i]), s.S));
    }
    const float n = tree_sum<kLanes>(num);
    const float d = tree_sum<kLanes>(den);
    float corr = d > 0.0f ? __fdiv_rn(n, d) : 1.0f;
    if (!is_finite(corr)) corr = 1.0f;
    // row·(K/16) + block == (row·K + k0) / 16
    if (!nonfinite) {
      const float u = uniform01(p.sr_key, static_cast<uint64_t>(pos.offset() / kNvGroup));
      s.code = fp8_sr<true>(__fmul_rn(e4m3_value(s.code), corr), u);
      s.S = __fmul_rn(e4m3_value(s.code), T);
    }
  }
  if (nonfinite) {
    s.code = kE4m3Nan;
    s.S = __uint_as_float(0x7FC00000u);
#pragma unroll
    for (int i = 0; i < kVec; ++i) c[i] = 0;
  }
  store_mask(m, pos, p);
  if (p.output == QOutput::kPacked) {
    if (!pos.active) return;
    *reinterpret_cast<uint32_t*>(p.codes + pos.offset() / 2) = pack_nibbles(c);
    if (lane % kLanes == 0) p.scales[pos.offset() / kNvGroup] = s.code;
  } else {
    float d[kVec];
#pragma unroll
    for (int i = 0; i < kVec; ++i) d[i] = __fmul_rn(e2m1_value(c[i]), s.S);
    if (pos.active) store_dequantized(d, pos, p);
  }
}

// ---- FP8 tensorwise ---------------------------------------------------------------------------------------
__device__ __forceinline__ void fp8_chunk(const float (&v)[kVec], const ChunkPos& pos, const QuantizeParams& p,
                                          float A) {
  const bool e4m3 = p.format == QFormat::kFp8E4M3;
  const float fmax = e4m3 ? kE4m3Max : kE5m2Max;
  const float enc = fp8_encode_scale(A, fmax);
  const float T = __fdiv_rn(1.0f, enc);
  uint32_t c[kVec];
  uint32_t m[kVec];
#pragma unroll
  for (int i = 0; i < kVec; ++i) {
    const float y = __fmul_rn(v[i], enc);
    if (p.rounding == QRounding::kSr) {
      const float u = element_uniform(p, pos, i);
      c[i] = e4m3 ? fp8_sr<true>(y, u) : fp8_sr<false>(y, u);
    } else {
      c[i] = e4m3 ? e4m3_rtn(y) : e5m2_rtn(y);
    }
    m[i] = fabsf(y) <= fmax ? 1u : 0u;
  }
  store_mask(m, pos, p);
  if (!pos.active) return;
  if (p.output == QOutput::kPacked) {
    store_bytes8(p.codes + pos.offset(), c);
  } else {
    float d[kVec];
#pragma unroll
    for (int i = 0; i < kVec; ++i) {
      const uint8_t code = static_cast<uint8_t>(c[i]);
      d[i] = __fmul_rn(e4m3 ? e4m3_value(code) : e5m2_value(code), T);
    }
    store_dequantized(d, pos, p);
  }
}

}  // namespace lps::kernels::device
