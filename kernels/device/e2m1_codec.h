// E2M1 (FP4) encoding by float arithmetic instead of a chain of threshold compares: a few branch-free
// instructions per element, bit-identical to quant::e2m1_encode_rtn / e2m1_encode_sr for every non-NaN y
// (tests/kernels/e2m1_codec_test.cc checks that on the host; the kernels zero the codes of non-finite groups,
// so NaN never reaches these).
//
// E2M1 has one mantissa bit: on c = min(|y|, 6) with biased FP32 exponent e = max(exponent(c), 127) (values
// below 1 share the spacing 0.5 of [1, 2)), the grid step is 2^(e-128). Adding magic = 2^(e-127+22) moves c
// into a binade whose ulp is exactly that step, so the FP32 add rounds c to the E2M1 grid — to nearest even
// (RTN; the even mantissa is the even code) or toward zero (the lower SR neighbour) — and the mantissa field of
// the sum, q = bits(c + magic) - bits(magic), counts grid steps: code index = q + 2·(e - 127). The binade
// overflow of a round-up (1.9 -> 2, 3.9 -> 4) lands on the same index from below. Saturation at 6 is the
// clamp. SR: p = (c - lower) / step, the same exact quantities as the reference; c = 6 gives p = 0.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#ifdef __CUDACC__
#define LPS_E2M1_HD __host__ __device__ __forceinline__
#else
#define LPS_E2M1_HD inline
#endif

namespace lps::kernels::e2m1 {

LPS_E2M1_HD uint32_t bits_of(float x) {
#ifdef __CUDA_ARCH__
  return __float_as_uint(x);
#else
  uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
#endif
}

LPS_E2M1_HD float float_of(uint32_t b) {
#ifdef __CUDA_ARCH__
  return __uint_as_float(b);
#else
  float x;
  std::memcpy(&x, &b, sizeof x);
  return x;
#endif
}

LPS_E2M1_HD float add_rn(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}

// a + b rounded toward zero, for a, b >= 0 (the host computes the sum in double — exact here, b being a
// power of two >= 2^22 and a < 8 — then truncates).
LPS_E2M1_HD float add_rz(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fadd_rz(a, b);
#else
  const double exact = static_cast<double>(a) + static_cast<double>(b);
  float f = static_cast<float>(exact);
  if (static_cast<double>(f) > exact) f = std::nextafter(f, 0.0f);
  return f;
#endif
}

LPS_E2M1_HD float mul_rn(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}

LPS_E2M1_HD float sub_rn(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}

LPS_E2M1_HD float clamp6(float y) {
#ifdef __CUDA_ARCH__
  return fminf(fabsf(y), 6.0f);  // one FMNMX with an |operand|
#else
  const float a = float_of(bits_of(y) & 0x7FFFFFFFu);
  return a < 6.0f ? a : 6.0f;
#endif
}

// max(biased exponent of c, 127).
LPS_E2M1_HD uint32_t grid_exponent(float c) {
  const uint32_t e = bits_of(c) >> 23;
  return e > 127u ? e : 127u;
}

LPS_E2M1_HD uint32_t sign_bit(float y) { return (bits_of(y) >> 31) << 3; }

// q + 2·(e - 127) with q = bits(sum) - (e + 22)·2^23, folded into one multiply-add and a constant (uint32
// arithmetic; the constant folds further into the caller's nibble packing, which adds codes).
LPS_E2M1_HD uint32_t grid_index(uint32_t sum_bits, uint32_t e) {
  return sum_bits - e * ((1u << 23) - 2u) - ((22u << 23) + 254u);
}

// Round to nearest even, saturating at 6; y not NaN.
LPS_E2M1_HD uint32_t encode_rtn(float y) {
  const float c = clamp6(y);
  const uint32_t e = grid_exponent(c);
  const uint32_t magic = (e + 22u) << 23;
  return sign_bit(y) + grid_index(bits_of(add_rn(c, float_of(magic))), e);
}

// Stochastic rounding with u = u24 · 2^-24 in [0, 1): up iff u < (c - lower) / step; y not NaN.
LPS_E2M1_HD uint32_t encode_sr(float y, float u) {
  const float c = clamp6(y);
  const uint32_t e = grid_exponent(c);
  const uint32_t magic = (e + 22u) << 23;
  const float lower_plus_magic = add_rz(c, float_of(magic));
  const float lower = sub_rn(lower_plus_magic, float_of(magic));  // exact
  const float inv_step = float_of((255u - e) << 23);                 // 2^(128-e)
  const float p = mul_rn(sub_rn(c, lower), inv_step);                // exact
  return sign_bit(y) + grid_index(bits_of(lower_plus_magic), e) + (u < p ? 1u : 0u);
}

}  // namespace lps::kernels::e2m1

#undef LPS_E2M1_HD
