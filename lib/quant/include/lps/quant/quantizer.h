// The reference quantizer (plain C++, FP32): one GEMM operand, viewed as a logical [rows, K] matrix
// through strides (a transposed operand is quantized in place, never materialised), quantized along K
// under an OperandQuant. The CUDA kernels are tested against it bit for bit: codes, scales, masks.
//
// Pipeline per row:  (random signs) -> block Hadamard along K (hadamard.h) -> per-group scale -> encode.
// Every value below is in the ROTATED domain; a GEMM of two operands rotated along the same K with the
// same signs equals the unrotated GEMM (H·D is orthogonal).
//
// ---- MXFP4 (group 32, E8M0 scale s = 2^(code-127); y = v / s, element codes E2M1) ------------------------
//   absmax      code = clamp(F(amax) - 2, 0, 254)                 y = v · 2^(127-code)
//               (OCP MX: s = 2^(floor(log2 amax) - 2); y may reach < 8 and saturates at 6)
//   absmax_3_4  code as absmax;  y = v · (0.75 · 2^(127-code))     (one FP32 multiply; |y| < 6, never clips)
//               The dequantised operand is code·s·(4/3): `factor` = 4/3, a GEMM of two such operands
//               is scaled by 16/9 (Quartet's backward; published code: s_eff = 2^(floor(log2 amax)-2)/(3/4)).
//   quest       r = rms of the group = sqrt(tree_sum(v·v) / 32) (FP32; tree_sum below), t = 0.48707976 · r,
//               code = F(t) + (mantissa(t) > 0x3504F3 ? 1 : 0), i.e. 2^round(log2 t) (nearest power of two
//               in log space; mantissa bits compared with those of (float)√2), clamped to [0, 254];
//               t == 0 or subnormal -> code 0.  y = v · 2^(127-code).  Trust mask: |y| < 6.
//   quest_floor code = F(t) (power-of-two floor, QuEST's published code).  Otherwise as quest.
//   quest_fp32  s = t kept in FP32 (fp32_scales); y = v / s (IEEE division), y = 0 when s == 0.
//               Not an MX layout: emulated GEMMs only.
//   F(x) = fp32_exponent_field(x) = floor(log2 x) + 127 for normal x, 0 for zero/subnormal.
//   amax = max |v| over the group.  tree_sum(a[0..n)): for h = n/2, n/4, ..., 1: a[i] += a[i+h] (i < h).
//
// ---- NVFP4 (group 16, E4M3 block scale, FP32 tensor scale T) --------------------------------------------
//   A = tensor amax: max |v| over every finite rotated value of the operand (or QuantizeOptions.tensor_amax).
//   T = A / 2688 (= 6 · 448; FP32 division) when A is finite and > 0, else T = 1.
//   absmax      b = (amax / 6) / T ; e = e4m3_rtn(b) ; S = e4m3_decode(e) · T ; y = v / S (y = 0 if S == 0)
//               With rounding = sr the block target takes 16/17 headroom, b = ((amax / 6) / T) · 1.0625,
//               so the E4M3 rounding of b can never push |y| past 6 (saturation would bias SR).
//   four_over_six  both b6 = (amax/6)/T and b4 = (amax/4)/T are encoded and tried (RTN elements); the error
//               err = tree_sum((e2m1(q) · S - v)^2) picks b4 iff err4 < err6 (ties keep 6).
//   ms_eden     (Quartet II backward; meant with hadamard = 128 and random signs.) Codes: RTN with the absmax
//               scale. EDEN correction per 16-value block: c = tree_sum(v·v) / tree_sum(v · e2m1(q) · S)
//               (c = 1 if the denominator is not > 0 or c is not finite). The block's scale value
//               e4m3_decode(e) · c is re-encoded with E4M3 stochastic rounding,
//               u24 = uniform24(sr_key, row · (K/16) + block), so E[S'] = c · S: the estimate is unbiased in
//               the direction of v, and the rotation spreads the rest (docs/precision.md). (A per-128 EDEN
//               correction measured 9.70e-3 against the published 9.4e-3; per 16 gives 9.37e-3.)
//
// ---- FP8 E4M3 / E5M2 (tensorwise) -----------------------------------------------------------------------
//   A as above; enc = fmax / A (A finite and > 0, else 1); y = v · enc; code = rtn or sr encode;
//   tensor_scale T = 1 / enc (decode scale: x ≈ decode(code) · T). Scale rule must be absmax.
//
// ---- Special values ---------------------------------------------------------------------------------------
//   A group (MXFP4/NVFP4) holding NaN or ±inf: scale code NaN (E8M0 0xFF, E4M3 0x7F), all its element codes
//   0, mask 0; it dequantises to NaN so divergence is seen. Non-finite values are left out of A.
//   FP8: NaN -> code 0x7F, ±inf -> ±max (satfinite). Zero groups: MXFP4 code 0 (absmax/quest) and codes 0;
//   NVFP4 e = 0, S = 0, codes 0. -0.0 keeps its sign bit in E2M1/FP8 codes where y is computed (not in S = 0
//   groups). Huge finite values: E8M0 clamps at 2^127; FP32 overflow in y saturates to the format max.
//
// ---- Stochastic rounding of elements (rounding = sr)
// ---------------------------------------------------------
//   u24 = uniform24(sr_key, row · K + k) (counter_rng.h), the rule of fp_formats.h.
//
// ---- Trust mask (OperandQuant.trust_mask)
// -------------------------------------------------------------------
//   1 = the value was represented without clipping: quest family |y| < 6 (the published QuEST rule), other
//   rules |y| <= format max. Non-finite groups 0.
#pragma once

#include <lps/quant/scheme.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lps::quant {

inline constexpr float kQuestGaussianScale = 0.48707976f;  // MSE-optimal FP4 scale for N(0,1): 2.92247856/6
inline constexpr float kAbsmax34Headroom = 0.75f;
inline constexpr float kAbsmax34Factor = 4.0f / 3.0f;  // per operand; a GEMM of two: 16/9
inline constexpr float kNvfp4SrHeadroom = 1.0625f;     // 17/16 on the block scale target (16/17 on y)
inline constexpr float kNvfp4TensorRange = 2688.0f;    // 6 · 448
inline constexpr int kMxfp4Group = 32;
inline constexpr int kNvfp4Group = 16;

// A logical [rows, K] matrix of FP32 values: element (r, k) at data[r·row_stride + k·k_stride].
struct StridedMatrix {
  const float* data = nullptr;
  int64_t rows = 0;
  int64_t k = 0;
  int64_t row_stride = 0;  // in elements
  int64_t k_stride = 1;    // in elements

  [[nodiscard]] float at(int64_t r, int64_t j) const { return data[r * row_stride + j * k_stride]; }
};

struct QuantizeOptions {
  OperandQuant quant;                // format, rounding, scale rule, Hadamard, signs, trust mask
  uint64_t sr_key = 0;               // counter_rng key of the element / scale SR draws
  uint64_t sign_key = 0;             // counter_rng key of the random signs (shared by both GEMM operands)
  std::optional<float> tensor_amax;  // NVFP4/FP8: use this A instead of computing it
  bool want_mask = false;            // fill QuantizedMatrix::mask (else only if quant.trust_mask)
};

// The quantized operand, struct-of-arrays, row-major over [rows, K] (the layout the kernels emit).
struct QuantizedMatrix {
  Format format = Format::kBf16;
  ScaleRule scale_rule = ScaleRule::kAbsmax;
  int64_t rows = 0;
  int64_t k = 0;
  int group = 0;                   // 32 (MXFP4), 16 (NVFP4), K (FP8 tensorwise)
  std::vector<uint8_t> codes;      // FP4: [rows, K/2], element 2j in the low nibble; FP8: [rows, K]
  std::vector<uint8_t> scales;     // [rows, K/group]: E8M0 (MXFP4) or E4M3 (NVFP4); empty otherwise
  std::vector<float> fp32_scales;  // [rows, K/32] for quest_fp32 only
  float tensor_scale = 1.0f;       // NVFP4 T, FP8 decode scale; 1 for MXFP4
  float factor = 1.0f;             // multiply dequantised values by this (4/3 for absmax_3_4)
  std::vector<uint8_t> mask;       // [rows, K] 1 = trusted (not clipped); empty unless asked

  [[nodiscard]] uint8_t code(int64_t r, int64_t j) const;  // element code (FP4 unpacked)
};

// Problems with an operand spec (unsupported format/rule/size combinations), empty when it is valid.
[[nodiscard]] std::vector<std::string> operand_problems(const OperandQuant& q);
// Problems with a whole scheme: every operand's, plus the GEMM pairing rules — the two operands of one GEMM
// share the Hadamard block and random_signs where both are quantized (so the rotation cancels); trust masks
// only on the forward operands. Each message names the operand ("fwd_x: ...").
[[nodiscard]] std::vector<std::string> scheme_problems(const Scheme& s);
// Group size along K for a format: 32, 16, 0 (tensorwise FP8 / bf16).
[[nodiscard]] int group_size(Format f);
// K must be a multiple of this (group and Hadamard block); 1 for bf16.
[[nodiscard]] int k_multiple(const OperandQuant& q);

// Max |v| over the finite rotated values (hadamard/signs per `q`), the A of NVFP4 and FP8.
[[nodiscard]] float tensor_amax_ref(const StridedMatrix& x, const OperandQuant& q, uint64_t sign_key);
// Rotate one row's K values in place (signs, then Hadamard blocks), as the quantizer does.
void rotate_row_ref(float* row, int64_t k, const OperandQuant& q, uint64_t sign_key);

// Quantize along K. Throws lps::Error (LPS_CHECK) for invalid specs or K not a multiple of k_multiple(q).
[[nodiscard]] QuantizedMatrix quantize_ref(const StridedMatrix& x, const QuantizeOptions& options);
// Dequantise into out[rows·K] (row-major, rotated domain), times `factor` when apply_factor.
void dequantize_ref(const QuantizedMatrix& q, float* out, bool apply_factor);

}  // namespace lps::quant
