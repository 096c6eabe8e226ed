// Device encoders/decoders of the element and scale formats of DESIGN.md §3 — E2M1 (FP4), E4M3 and E5M2
// (FP8), E8M0 (power-of-two scale) — with round-to-nearest-even and stochastic rounding, bit for bit as
// the reference in lib/quant defines them (see lps/quant/*.h for the rules on ties, saturation, NaN).
#pragma once

#include "e2m1_codec.h"

#include <cuda_fp8.h>

#include <cstdint>

namespace lps::kernels::device {

// ---- E2M1: magnitudes {0, 0.5, 1, 1.5, 2, 3, 4, 6}; code = sign << 3 | magnitude index ---------------
inline constexpr float kE2m1Max = 6.0f;

// 0, 0.5, 1, 1.5, 2, 3, 4, 6: twice the magnitudes {0,1,2,3,4,6,8,12} packed as nibbles (no local array).
__device__ __forceinline__ float e2m1_magnitude(uint32_t index) {
  constexpr uint32_t kTwiceMagnitudes = 0xC8643210u;
  return 0.5f * static_cast<float>((kTwiceMagnitudes >> (4u * (index & 7u))) & 0xFu);
}

__device__ __forceinline__ float e2m1_value(uint32_t code) {
  const float m = e2m1_magnitude(code & 7u);
  return (code & 8u) ? -m : m;
}

// Round-to-nearest (ties to the even code) and stochastic rounding, saturating at 6: the branch-free float
// arithmetic of e2m1_codec.h. y must not be NaN: a NaN only arises in a non-finite group, whose codes the
// pipeline zeroes (the group's scale carries the NaN). -0.0 and negatives rounding to 0 give 0x8.
__device__ __forceinline__ uint32_t e2m1_rtn(float y) { return e2m1::encode_rtn(y); }

// SR between the two grid neighbours lo <= |y| < hi: up iff u < (|y| - lo) / (hi - lo), u in [0, 1).
__device__ __forceinline__ uint32_t e2m1_sr(float y, float u) { return e2m1::encode_sr(y, u); }

// ---- FP8 (OCP): E4M3 (max 448, NaN 0x7F) and E5M2 (max 57344) ----------------------------------------
inline constexpr float kE4m3Max = 448.0f;
inline constexpr float kE5m2Max = 57344.0f;
inline constexpr uint8_t kE4m3Nan = 0x7F;

__device__ __forceinline__ uint8_t e4m3_rtn(float y) {
  return static_cast<uint8_t>(__nv_cvt_float_to_fp8(y, __NV_SATFINITE, __NV_E4M3));
}
__device__ __forceinline__ uint8_t e5m2_rtn(float y) {
  return static_cast<uint8_t>(__nv_cvt_float_to_fp8(y, __NV_SATFINITE, __NV_E5M2));
}
__device__ __forceinline__ float e4m3_value(uint8_t code) {
  const __half_raw h = __nv_cvt_fp8_to_halfraw(static_cast<__nv_fp8_storage_t>(code), __NV_E4M3);
  return __half2float(__half(h));
}
__device__ __forceinline__ float e5m2_value(uint8_t code) {
  const __half_raw h = __nv_cvt_fp8_to_halfraw(static_cast<__nv_fp8_storage_t>(code), __NV_E5M2);
  return __half2float(__half(h));
}

// Stochastic rounding to an FP8 format: neighbours by truncating toward zero and stepping one code up.
template <bool kE4m3>
__device__ __forceinline__ uint8_t fp8_sr(float y, float u) {
  const float a = fabsf(y);
  if (a != a) return uint8_t{0x7F};  // NaN: canonical, sign dropped
  const float maxv = kE4m3 ? kE4m3Max : kE5m2Max;
  const uint8_t sign = static_cast<uint8_t>((__float_as_uint(y) >> 31) << 7);
  if (a >= maxv) return static_cast<uint8_t>(sign | (kE4m3 ? 0x7E : 0x7B));
  // Round toward zero: the RTN code of a, stepped down when it rounded up.
  uint8_t c = kE4m3 ? e4m3_rtn(a) : e5m2_rtn(a);
  float v = kE4m3 ? e4m3_value(c) : e5m2_value(c);
  if (v > a) {
    c = static_cast<uint8_t>(c - 1);
    v = kE4m3 ? e4m3_value(c) : e5m2_value(c);
  }
  if (v == a) return static_cast<uint8_t>(sign | c);
  const float hi = kE4m3 ? e4m3_value(static_cast<uint8_t>(c + 1)) : e5m2_value(static_cast<uint8_t>(c + 1));
  const float p = (a - v) / (hi - v);
  if (u < p) c = static_cast<uint8_t>(c + 1);
  return static_cast<uint8_t>(sign | c);
}

// ---- E8M0: 2^(byte - 127), byte 0..254; 255 is NaN ----------------------------------------------------
inline constexpr int kE8m0Bias = 127;
inline constexpr uint8_t kE8m0Nan = 0xFF;

// 2^e as a float for e in [-149, 127] (exact; subnormal below -126).
__device__ __forceinline__ float exp2i(int e) {
  if (e >= -126) return __uint_as_float(static_cast<uint32_t>(e + 127) << 23);
  return __uint_as_float(1u << (e + 149));
}

// floor(log2(a)) for a finite a > 0 (subnormals included).
__device__ __forceinline__ int floor_log2(float a) {
  const uint32_t bits = __float_as_uint(a);
  const int biased = static_cast<int>(bits >> 23);
  if (biased != 0) return biased - 127;
  return -127 - __clz(static_cast<int>(bits << 9));  // subnormal: leading zeros of the mantissa
}

}  // namespace lps::kernels::device
