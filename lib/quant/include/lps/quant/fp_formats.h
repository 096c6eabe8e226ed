// Scalar codecs of the small floating-point formats (OCP MX v1.0 / NVIDIA spellings), the bit-exact
// reference the CUDA kernels are tested against. All encoders take an FP32 value and return a code.
//
//   E2M1 (FP4)  : 4-bit code s.ee.m, magnitudes {0, 0.5, 1, 1.5, 2, 3, 4, 6} (code & 7 indexes them),
//                 no inf/NaN. Encoders saturate (|y| >= 6 -> 6). The sign bit is signbit(y): -0.0 and small
//                 negatives that round to zero encode as 0x8 (negative zero), as the PTX cvt does.
//                 NaN input encodes as 0x0 (the block's scale carries NaN, see quantizer.h).
//   E4M3 (fn)   : 8-bit, bias 7, max 448, subnormals m·2^-9, no inf; NaN = 0x7F / 0xFF.
//   E5M2        : 8-bit, bias 15, max 57344, subnormals m·2^-16; inf 0x7C/0xFC, NaN 0x7F (we emit 0x7F).
//   E8M0        : 8-bit unsigned exponent, value 2^(code-127), code 0xFF = NaN.
//
// FP8 encoders follow PTX `cvt.rn.satfinite`: round to nearest, ties to even (on the exact FP32 input);
// finite values beyond the max and ±inf saturate to ±max; NaN -> 0x7F (canonical, sign dropped);
// -0.0 keeps its sign; FP32 subnormals round like any other value (no flush to zero).
// Stochastic rounding (SR) rounds |v| to one of its two neighbours on the grid, lo <= |v| < hi, up with
// probability p = (|v| - lo) / (hi - lo). The uniform is u = u24 · 2^-24 with u24 in [0, 2^24) from the
// counter RNG (counter_rng.h); round up iff u < p. Both (|v| - lo) and the division by the power-of-two
// spacing are exact in FP32, so the comparison is exact and the kernels reproduce it bit for bit.
// |v| on the grid (p = 0) never rounds up; values at or beyond the max saturate without drawing.
#pragma once

#include <cstdint>

namespace lps::quant {

inline constexpr float kE2M1Max = 6.0f;
inline constexpr float kE4M3Max = 448.0f;
inline constexpr float kE5M2Max = 57344.0f;
inline constexpr uint8_t kE4M3NaN = 0x7F;
inline constexpr uint8_t kE5M2NaN = 0x7F;
inline constexpr uint8_t kE8M0NaN = 0xFF;
inline constexpr int kE8M0Bias = 127;

// E2M1 magnitudes by the 3 low bits of a code.
inline constexpr float kE2M1Values[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};

// ---- E2M1 ------------------------------------------------------------------------------------------
// Round to nearest, ties to the even code (0.25 -> 0, 0.75 -> 1, 1.25 -> 1, 1.75 -> 2, 2.5 -> 2,
// 3.5 -> 4, 5 -> 4), saturating at 6.
[[nodiscard]] uint8_t e2m1_encode_rtn(float y);
// Stochastic rounding with the 24-bit uniform u24 (see above), saturating at 6.
[[nodiscard]] uint8_t e2m1_encode_sr(float y, uint32_t u24);
[[nodiscard]] float e2m1_decode(uint8_t code);  // code & 0xF

// ---- E4M3 (fn) -------------------------------------------------------------------------------------
[[nodiscard]] uint8_t e4m3_encode_rtn(float x);
[[nodiscard]] uint8_t e4m3_encode_sr(float x, uint32_t u24);
[[nodiscard]] float e4m3_decode(uint8_t code);

// ---- E5M2 ------------------------------------------------------------------------------------------
[[nodiscard]] uint8_t e5m2_encode_rtn(float x);
[[nodiscard]] uint8_t e5m2_encode_sr(float x, uint32_t u24);
[[nodiscard]] float e5m2_decode(uint8_t code);

// ---- E8M0 ------------------------------------------------------------------------------------------
// Code for 2^e, clamped to [0, 254] (2^-127 ... 2^127).
[[nodiscard]] uint8_t e8m0_from_exponent(int e);
[[nodiscard]] float e8m0_decode(uint8_t code);  // 2^(code-127); 0xFF -> NaN; code 0 -> 2^-127 (subnormal)

// ---- FP32 bit helpers shared by the scale rules -----------------------------------------------------
// The biased exponent field of |x| (0 for zero and subnormals, 255 for inf/NaN): floor(log2|x|) + 127
// for normal x.
[[nodiscard]] int fp32_exponent_field(float x);

}  // namespace lps::quant
