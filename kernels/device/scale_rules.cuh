// Group scales of lps/quant/quantizer.h, bit for bit, computed by the kLanes lanes (8 values each) that
// hold a group. FP32 arithmetic goes through __f*_rn intrinsics wherever a multiply feeds an add, so nvcc
// never contracts it into an FMA the reference does not perform.
#pragma once

#include <lps/kernels/quantize.h>

#include "fp_formats.cuh"
#include "lane_group.cuh"
#include "vec_io.cuh"

#include <climits>

namespace lps::kernels::device {

inline constexpr float kQuestClip = 0.48707976f;  // quant::kQuestGaussianScale
inline constexpr float kHeadroom34 = 0.75f;       // quant::kAbsmax34Headroom
inline constexpr float kNvfp4TensorRange = 2688.0f;  // 6 · 448
inline constexpr float kNvfp4SrHeadroom = 1.0625f;
inline constexpr uint32_t kSqrt2Mantissa = 0x3504F3u;  // mantissa bits of (float)√2

template <int kH>
__device__ __forceinline__ float hadamard_scale() {
  // Literally quant::hadamard_scale(n).
  if constexpr (kH == 16) return 0.25f;
  else if constexpr (kH == 32) return 0.17677669529663687f;
  else if constexpr (kH == 64) return 0.125f;
  else return 0.08838834764831845f;
}

__device__ __forceinline__ bool is_finite(float x) { return (__float_as_uint(x) & 0x7F800000u) != 0x7F800000u; }

// fp32_exponent_field(|x|): floor(log2|x|) + 127 for normal x, 0 for zero and subnormals.
__device__ __forceinline__ int exponent_field(float x) { return static_cast<int>((__float_as_uint(x) >> 23) & 0xFFu); }

template <int kLanes>
__device__ __forceinline__ int group_max_int(int v) {
#pragma unroll
  for (int o = 1; o < kLanes; o <<= 1) v = max(v, __shfl_xor_sync(kFullMask, v, o));
  return v;
}

// quant's tree_sum over the group's 8·kLanes values a (this lane's 8, in element order): for h = n/2, ..., 1:
// a[i] += a[i + h]. Stages h >= 8 pair lanes (xor h/8), the last three stay in the thread. Every lane
// returns the same sum.
template <int kLanes>
__device__ __forceinline__ float tree_sum(float (&a)[kVec]) {
#pragma unroll
  for (int o = kLanes / 2; o >= 1; o >>= 1) {
#pragma unroll
    for (int i = 0; i < kVec; ++i) a[i] = __fadd_rn(a[i], __shfl_xor_sync(kFullMask, a[i], o));
  }
#pragma unroll
  for (int h = kVec / 2; h >= 1; h >>= 1) {
#pragma unroll
    for (int i = 0; i < h; ++i) a[i] = __fadd_rn(a[i], a[i + h]);
  }
  return a[0];
}

// Max |v| over the group and whether any value is NaN or ±inf, from one integer max of the magnitude bits
// shifted left by one (the sign drops out; a shift, unlike an and, runs on the FMA pipe as IMAD.SHL):
// non-negative floats order like their bit patterns, and every NaN or ±inf has bits << 1 >= 0xFF000000,
// above any finite value. (The returned amax is meaningful only for a finite group; callers take the NaN
// path else.)
template <int kLanes>
__device__ __forceinline__ float group_amax(const float (&v)[kVec], bool& nonfinite) {
  uint32_t m = 0;
#pragma unroll
  for (int i = 0; i < kVec; ++i) m = max(m, __float_as_uint(v[i]) << 1);
#pragma unroll
  for (int o = 1; o < kLanes; o <<= 1) m = max(m, __shfl_xor_sync(kFullMask, m, o));
  nonfinite = m >= 0xFF000000u;
  return __uint_as_float(m >> 1);
}

// ---- MXFP4 ------------------------------------------------------------------------------------------
struct MxScale {
  uint8_t code = 0;      // E8M0 (0xFF: the group is not finite)
  float mul = 1.0f;      // y = v · mul (E8M0 rules)
  float fp32 = 0.0f;     // quest_fp32: y = v / fp32 (y = 0 when fp32 == 0)
  float dequant = 1.0f;  // value = e2m1 · dequant
  bool nonfinite = false;
};

__device__ __forceinline__ bool is_quest_family(QScaleRule r) {
  return r == QScaleRule::kQuest || r == QScaleRule::kQuestFloor || r == QScaleRule::kQuestFp32;
}

// Every lane of the warp must call this (the quest rules' tree sum shuffles with the full mask), including
// lanes of non-finite groups, which get the NaN scale.
template <int kLanes>
__device__ __forceinline__ MxScale mx_group_scale(const float (&v)[kVec], QScaleRule rule) {
  MxScale s;
  const float amax = group_amax<kLanes>(v, s.nonfinite);
  int code;
  if (is_quest_family(rule)) {
    float sq[kVec];
#pragma unroll
    for (int i = 0; i < kVec; ++i) sq[i] = __fmul_rn(v[i], v[i]);
    const float r = sqrtf(__fdiv_rn(tree_sum<kLanes>(sq), static_cast<float>(kVec * kLanes)));
    const float t = __fmul_rn(kQuestClip, r);
    s.fp32 = t;
    const int f = exponent_field(t);
    if (rule == QScaleRule::kQuestFloor) {
      code = f;
    } else {
      code = f == 0 ? 0 : f + ((__float_as_uint(t) & 0x7FFFFFu) > kSqrt2Mantissa ? 1 : 0);
    }
  } else {
    code = exponent_field(amax) - 2;
  }
  if (s.nonfinite) {
    s.code = kE8m0Nan;
    s.dequant = __uint_as_float(0x7FC00000u);
    s.fp32 = s.dequant;
    return s;
  }
  if (rule == QScaleRule::kQuestFp32) {
    s.code = 0;
    s.dequant = s.fp32;
    return s;
  }
  code = max(0, min(254, code));
  s.code = static_cast<uint8_t>(code);
  s.mul = exp2i(kE8m0Bias - code);
  if (rule == QScaleRule::kAbsmax34) s.mul = __fmul_rn(kHeadroom34, s.mul);
  s.dequant = exp2i(code - kE8m0Bias);
  return s;
}

__device__ __forceinline__ float mx_scaled(float v, const MxScale& s, QScaleRule rule) {
  if (rule == QScaleRule::kQuestFp32) return s.fp32 == 0.0f ? 0.0f : __fdiv_rn(v, s.fp32);
  return __fmul_rn(v, s.mul);
}

// ---- NVFP4 ------------------------------------------------------------------------------------------
// T = A / 2688 when A is finite and > 0, else 1.
__device__ __forceinline__ float nvfp4_tensor_scale(float A) {
  return (is_finite(A) && A > 0.0f) ? __fdiv_rn(A, kNvfp4TensorRange) : 1.0f;
}

// b = (amax / d) / T (times 17/16 for SR), its E4M3 code, and S = e4m3(code) · T.
struct NvScale {
  uint8_t code = 0;
  float S = 0.0f;
};

__device__ __forceinline__ NvScale nv_block_scale(float amax, float divisor, float T, bool sr_headroom) {
  float b = __fdiv_rn(__fdiv_rn(amax, divisor), T);
  if (sr_headroom) b = __fmul_rn(b, kNvfp4SrHeadroom);
  NvScale s;
  s.code = e4m3_rtn(b);
  s.S = __fmul_rn(e4m3_value(s.code), T);
  return s;
}

__device__ __forceinline__ float nv_scaled(float v, float S) { return S == 0.0f ? 0.0f : __fdiv_rn(v, S); }

// ---- FP8 tensorwise -----------------------------------------------------------------------------------
// enc = fmax / A when A is finite and > 0, else 1.
__device__ __forceinline__ float fp8_encode_scale(float A, float fmax) {
  return (is_finite(A) && A > 0.0f) ? __fdiv_rn(fmax, A) : 1.0f;
}

}  // namespace lps::kernels::device
