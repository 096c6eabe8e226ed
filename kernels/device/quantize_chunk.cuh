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
#include "quantize_spec.cuh"
#include "scale_rules.cuh"
#include "vec_io.cuh"

#include <cuda_bf16.h>

#include <climits>

namespace lps::kernels::device {

inline constexpr int kMxGroup = 32;  // MXFP4: 32 elements share an E8M0 scale
inline constexpr int kNvGroup = 16;  // NVFP4: 16 elements share an E4M3 scale

// Where this thread's 8 elements live: row `row` of the [out_rows, K] operand, columns k0 .. k0+7. Idx is
// uint32_t in the specialised kernels (the launcher checks variants::fits_32bit) and int64_t in the generic.
template <typename Idx>
struct ChunkPos {
  Idx row = 0;
  Idx k0 = 0;
  Idx K = 0;
  Idx out_rows = 0;
  Idx off = 0;          // row·K + k0: offset of the chunk in the [out_rows, K] outputs, SR counter base
  uint32_t sign_mask[kVec] = {};  // random signs of k0 .. k0+7: 0x80000000 = negate (set_signs)
  bool active = false;  // false for padding lanes (they still take part in shuffles, with zeros)

  [[nodiscard]] __device__ Idx offset() const { return off; }

  // From sign_bits8's bits (bit i set = negate element i): one xor mask per element, so applying a sign is
  // one LOP3. The row kernel sets them once per launch (`pin`: keep them in registers, opaque to the
  // compiler, instead of recomputed in the loop); the column kernel per chunk.
  __device__ __forceinline__ void set_signs(uint32_t bits, bool pin) {
#pragma unroll
    for (int i = 0; i < kVec; ++i) {
      sign_mask[i] = (bits << (31 - i)) & 0x80000000u;
      if (pin) asm volatile("" : "+r"(sign_mask[i]));
    }
  }
};

// The SR draws of one chunk: hash32(key, off + i) for i = 0..7 with off % 8 == 0, so lo32(off + i) =
// lo32(off) ^ i and hi32(off + i) = hi32(off) — one 32-bit xor per element before the two lowbias32 rounds
// (bit-identical to counter_hash.cuh's uniform01(key, off + i)).
struct ChunkRng {
  uint32_t lo = 0;  // lo32(off) ^ lo32(key)
  uint32_t hi = 0;  // hi32(off) ^ hi32(key)

  template <typename Idx>
  __device__ __forceinline__ ChunkRng(uint64_t key, Idx off)
      : lo(static_cast<uint32_t>(off) ^ static_cast<uint32_t>(key)),
        hi(static_cast<uint32_t>(static_cast<uint64_t>(off) >> 32) ^ static_cast<uint32_t>(key >> 32)) {}

  // u = u24 · 2^-24 of element off + i.
  __device__ __forceinline__ float uniform(int i) const {
    const uint32_t h = lowbias32(lowbias32(lo ^ static_cast<uint32_t>(i)) ^ hi);
    return static_cast<float>(h >> 8) * 5.9604644775390625e-8f;
  }
};

// Bits of random_sign(key, k0 + i) for i = 0..7 (bit set = -1): the top bit of each hash.
// The empty asm makes the result opaque, so the compiler keeps the one register instead of sinking the 16
// hash rounds into the row kernel's loop (nvcc did).
template <typename Idx>
__device__ __forceinline__ uint32_t sign_bits8(uint64_t key, Idx k0) {
  uint32_t bits = 0;
#pragma unroll
  for (int i = 0; i < kVec; ++i) bits |= (hash32(key, static_cast<uint64_t>(k0) + i) >> 31) << i;
  asm volatile("" : "+r"(bits));
  return bits;
}

template <int kH, class S, typename Idx>
__device__ __forceinline__ void rotate_chunk(float (&v)[kVec], const ChunkPos<Idx>& pos, const QuantizeParams& p,
                                             int lane) {
  if (S::signs(p)) {
#pragma unroll
    for (int i = 0; i < kVec; ++i) v[i] = __uint_as_float(__float_as_uint(v[i]) ^ pos.sign_mask[i]);
  }
  if constexpr (kH > 0) {
    hadamard_unnormalised<kH>(v, lane % (kH / kVec));
    const float c = hadamard_scale<kH>();
#pragma unroll
    for (int i = 0; i < kVec; ++i) v[i] = __fmul_rn(v[i], c);
  }
}

__device__ __forceinline__ void store_bytes8(uint8_t* dst, const uint32_t (&b)[kVec]) {
  const uint32_t lo = b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24);
  const uint32_t hi = b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24);
  *reinterpret_cast<uint2*>(dst) = make_uint2(lo, hi);
}

template <class S, typename Idx>
__device__ __forceinline__ void store_dequantized(const float (&d)[kVec], const ChunkPos<Idx>& pos,
                                                  const QuantizeParams& p) {
  if (S::out_dtype(p) == OutDType::kF32) {
    store8(static_cast<float*>(p.dequantized) + pos.offset(), d);
  } else {
    store8(static_cast<__nv_bfloat16*>(p.dequantized) + pos.offset(), d);
  }
}

template <class S, typename Idx>
__device__ __forceinline__ void store_mask(const uint32_t (&m)[kVec], const ChunkPos<Idx>& pos,
                                           const QuantizeParams& p) {
  if (S::mask(p) && pos.active) store_bytes8(p.mask + pos.offset(), m);
}

// Codes are < 16, so adding the shifted codes packs them; written as a sum, the compiler folds the constant
// terms of e2m1_codec.h's codes into one add per word and each code into one multiply-add.
__device__ __forceinline__ uint32_t pack_nibbles(const uint32_t (&c)[kVec]) {
  uint32_t packed = 0;
#pragma unroll
  for (int i = 0; i < kVec; ++i) packed += c[i] << (4 * i);
  return packed;
}

// ---- MXFP4 → E4M3 with 1×128 block scales ---------------------------------------------------------------
template <typename Idx>
__device__ __forceinline__ void mxfp4_fp8_blocks(const uint32_t (&c)[kVec], const MxScale& s,
                                                 const ChunkPos<Idx>& pos, const QuantizeParams& p, int lane) {
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
    const Idx kb = pos.k0 / kFp8BlockSize;
    p.block_scales[kb * pos.out_rows + pos.row] =
        e_block == INT_MIN ? 1.0f : exp2i(e_block - kE8m0Bias - kFp8BlockShift);
    if (block_inexact && p.inexact_blocks != nullptr) atomicAdd(p.inexact_blocks, 1);
  }
}

// ---- MXFP4 ------------------------------------------------------------------------------------------
template <class S, typename Idx>
__device__ __forceinline__ void mxfp4_chunk(const float (&v)[kVec], const ChunkPos<Idx>& pos,
                                            const QuantizeParams& p, int lane) {
  constexpr int kLanes = kMxGroup / kVec;
  const QScaleRule rule = S::rule(p);
  const MxScale s = mx_group_scale<kLanes>(v, rule);
  const bool quest = is_quest_family(rule);
  const bool sr = S::rounding(p) == QRounding::kSr;
  const ChunkRng rng(p.sr_key, pos.offset());
  // A non-finite group's codes are 0: masked once per word or per code below, no branch per element.
  const uint32_t keep = s.nonfinite ? 0u : 0xFFFFFFFFu;
  uint32_t c[kVec];
  uint32_t m[kVec];
#pragma unroll
  for (int i = 0; i < kVec; ++i) {
    const float y = mx_scaled(v[i], s, rule);
    c[i] = sr ? e2m1_sr(y, rng.uniform(i)) : e2m1_rtn(y);
    if (S::mask(p)) {
      const float a = fabsf(y);
      m[i] = (!s.nonfinite && (quest ? a < kE2m1Max : a <= kE2m1Max)) ? 1u : 0u;
    }
  }
  store_mask<S>(m, pos, p);
  switch (S::output(p)) {
    case QOutput::kPacked:
      if (!pos.active) return;
      *reinterpret_cast<uint32_t*>(p.codes + pos.offset() / 2) = pack_nibbles(c) & keep;
      if (lane % kLanes == 0) {
        if (p.scales != nullptr) p.scales[pos.offset() / kMxGroup] = s.code;  // 0 / 0xFF for quest_fp32
        if (rule == QScaleRule::kQuestFp32) p.fp32_scales[pos.offset() / kMxGroup] = s.fp32;
      }
      return;
    case QOutput::kDequantized: {
      float d[kVec];
#pragma unroll
      for (int i = 0; i < kVec; ++i) d[i] = __fmul_rn(e2m1_value(c[i] & keep), s.dequant);
      if (pos.active) store_dequantized<S>(d, pos, p);
      return;
    }
    case QOutput::kFp8Blocks: {
#pragma unroll
      for (int i = 0; i < kVec; ++i) c[i] &= keep;
      mxfp4_fp8_blocks(c, s, pos, p, lane);
      return;
    }
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

template <class S, typename Idx>
__device__ __forceinline__ void nvfp4_chunk(const float (&v)[kVec], const ChunkPos<Idx>& pos,
                                            const QuantizeParams& p, int lane, float T) {
  constexpr int kLanes = kNvGroup / kVec;
  const QScaleRule rule = S::rule(p);
  bool nonfinite = false;
  const float amax = group_amax<kLanes>(v, nonfinite);
  const bool sr = S::rounding(p) == QRounding::kSr;
  const ChunkRng rng(p.sr_key, pos.offset());
  NvScale s = nv_block_scale(amax, 6.0f, T, sr);
  uint32_t c[kVec];
  float y[kVec];
#pragma unroll
  for (int i = 0; i < kVec; ++i) {
    y[i] = nv_scaled(v[i], s.S);
    c[i] = sr ? e2m1_sr(y[i], rng.uniform(i)) : e2m1_rtn(y[i]);
  }
  if (rule == QScaleRule::kFourOverSix) {
    const NvScale s4 = nv_block_scale(amax, 4.0f, T, false);
    uint32_t c4[kVec];
    float y4[kVec];
#pragma unroll
    for (int i = 0; i < kVec; ++i) {
      y4[i] = nv_scaled(v[i], s4.S);
      c4[i] = e2m1_rtn(y4[i]);
    }
    const float err6 = squared_error<kLanes>(v, c, s.S);
    const float err4 = squared_error<kLanes>(v, c4, s4.S);
    if (err4 < err6) {
      s = s4;
#pragma unroll
      for (int i = 0; i < kVec; ++i) {
        c[i] = c4[i];
        y[i] = y4[i];
      }
    }
  }
  // The mask is that of the values as encoded (before MS-EDEN's scale correction).
  uint32_t m[kVec];
  if (S::mask(p)) {
#pragma unroll
    for (int i = 0; i < kVec; ++i) m[i] = (!nonfinite && fabsf(y[i]) <= kE2m1Max) ? 1u : 0u;
  }
  if (rule == QScaleRule::kMsEden) {  // every lane: the tree sums shuffle with the full mask
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
  store_mask<S>(m, pos, p);
  if (S::output(p) == QOutput::kPacked) {
    if (!pos.active) return;
    *reinterpret_cast<uint32_t*>(p.codes + pos.offset() / 2) = pack_nibbles(c);
    if (lane % kLanes == 0) p.scales[pos.offset() / kNvGroup] = s.code;
  } else {
    float d[kVec];
#pragma unroll
    for (int i = 0; i < kVec; ++i) d[i] = __fmul_rn(e2m1_value(c[i]), s.S);
    if (pos.active) store_dequantized<S>(d, pos, p);
  }
}

// ---- FP8 tensorwise ---------------------------------------------------------------------------------------
// enc and T = 1/enc depend only on A: the kernels compute them once per thread (fp8_scales).
struct Fp8Scales {
  float enc = 1.0f;
  float T = 1.0f;
};

__device__ __forceinline__ Fp8Scales fp8_scales(float A, QFormat format) {
  Fp8Scales s;
  s.enc = fp8_encode_scale(A, format == QFormat::kFp8E4M3 ? kE4m3Max : kE5m2Max);
  s.T = __fdiv_rn(1.0f, s.enc);
  return s;
}

template <class S, typename Idx>
__device__ __forceinline__ void fp8_chunk(const float (&v)[kVec], const ChunkPos<Idx>& pos, const QuantizeParams& p,
                                          const Fp8Scales& sc) {
  const bool e4m3 = S::format(p) == QFormat::kFp8E4M3;
  const float fmax = e4m3 ? kE4m3Max : kE5m2Max;
  const bool sr = S::rounding(p) == QRounding::kSr;
  const ChunkRng rng(p.sr_key, pos.offset());
  uint32_t c[kVec];
  uint32_t m[kVec];
#pragma unroll
  for (int i = 0; i < kVec; ++i) {
    const float y = __fmul_rn(v[i], sc.enc);
    if (sr) {
      const float u = rng.uniform(i);
      c[i] = e4m3 ? fp8_sr<true>(y, u) : fp8_sr<false>(y, u);
    } else {
      c[i] = e4m3 ? e4m3_rtn(y) : e5m2_rtn(y);
    }
    if (S::mask(p)) m[i] = fabsf(y) <= fmax ? 1u : 0u;
  }
  store_mask<S>(m, pos, p);
  if (!pos.active) return;
  if (S::output(p) == QOutput::kPacked) {
    store_bytes8(p.codes + pos.offset(), c);
  } else {
    float d[kVec];
#pragma unroll
    for (int i = 0; i < kVec; ++i) {
      const uint8_t code = static_cast<uint8_t>(c[i]);
      d[i] = __fmul_rn(e4m3 ? e4m3_value(code) : e5m2_value(code), sc.T);
    }
    store_dequantized<S>(d, pos, p);
  }
}

}  // namespace lps::kernels::device
