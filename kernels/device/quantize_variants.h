// The compile-time-specialised quantizer kernels: which combinations of (format, scale rule, rounding,
// Hadamard block, random signs, output, output dtype, mask, input dtype) get their own instantiation of the
// row and column kernels, and the host-side lookup that picks one for a QuantizeParams. A specialised kernel
// carries only its own path (no runtime branch on the options) and 32-bit positions; everything else runs
// the generic kernel (runtime options, 64-bit positions). Plain C++: tests/kernels/quantize_variants_test.cc
// checks on any machine that the presets' and the bench's operands all find a specialised kernel.
#pragma once

#include <lps/kernels/quantize.h>

#include <array>
#include <cstddef>
#include <cstdint>

namespace lps::kernels::variants {

// What a specialised kernel is compiled for. out_dtype only matters for QOutput::kDequantized (kF32
// otherwise); `mask` = a trust mask is written (params.mask != nullptr).
struct QuantVariant {
  QFormat format = QFormat::kMxfp4;
  QScaleRule rule = QScaleRule::kAbsmax;
  QRounding rounding = QRounding::kRtn;
  int hadamard = 0;
  bool signs = false;
  QOutput output = QOutput::kPacked;
  OutDType out_dtype = OutDType::kF32;
  bool mask = false;
  InDType in = InDType::kBf16;
};

// The rotate-scale-round part of a variant: one per preset operand (lib/quant/scheme.cc) and bench case.
struct Recipe {
  QFormat format;
  QScaleRule rule;
  QRounding rounding;
  int hadamard;
  bool signs;
  bool with_mask;  // also instantiate the trust-mask variants (the forward operands of quest-style schemes)
};

inline constexpr std::array<Recipe, 12> kRecipes{{
    {QFormat::kMxfp4, QScaleRule::kAbsmax, QRounding::kRtn, 0, false, false},       // mxfp4_rtn
    {QFormat::kMxfp4, QScaleRule::kAbsmax34, QRounding::kSr, 0, false, false},      // mxfp4_sr
    {QFormat::kMxfp4, QScaleRule::kQuest, QRounding::kRtn, 32, false, true},        // quest forward
    {QFormat::kMxfp4, QScaleRule::kAbsmax34, QRounding::kRtn, 32, true, false},     // quartet backward
    {QFormat::kMxfp4, QScaleRule::kAbsmax34, QRounding::kSr, 32, true, false},      // quartet_sr backward
    {QFormat::kMxfp4, QScaleRule::kAbsmax, QRounding::kRtn, 128, true, false},      // bench h128
    {QFormat::kNvfp4, QScaleRule::kAbsmax, QRounding::kRtn, 0, false, false},       // nvfp4
    {QFormat::kNvfp4, QScaleRule::kFourOverSix, QRounding::kRtn, 0, false, false},  // quartet2 forward
    {QFormat::kNvfp4, QScaleRule::kMsEden, QRounding::kRtn, 128, true, false},      // quartet2 backward
    {QFormat::kFp8E4M3, QScaleRule::kAbsmax, QRounding::kRtn, 0, false, false},     // fp8
    {QFormat::kFp8E5M2, QScaleRule::kAbsmax, QRounding::kRtn, 0, false, false},     // fp8 (gradients)
    {QFormat::kFp8E5M2, QScaleRule::kAbsmax, QRounding::kSr, 0, false, false},      // bench e5m2 sr
}};

// Outputs a recipe is instantiated for: packed always; MXFP4 with E8M0 scales also the E4M3 1×128 blocks and
// BF16 dequantised values (exact, what cuda_quantize_dequantize asks for), other formats FP32 dequantised.
constexpr int outputs_of(const Recipe& r) { return r.format == QFormat::kMxfp4 ? 3 : 2; }

constexpr QuantVariant output_variant(const Recipe& r, int which) {
  QuantVariant v;
  v.format = r.format;
  v.rule = r.rule;
  v.rounding = r.rounding;
  v.hadamard = r.hadamard;
  v.signs = r.signs;
  if (which == 0) {
    v.output = QOutput::kPacked;
  } else if (which == 1) {
    v.output = QOutput::kDequantized;
    v.out_dtype = r.format == QFormat::kMxfp4 ? OutDType::kBf16 : OutDType::kF32;
  } else {
    v.output = QOutput::kFp8Blocks;
  }
  return v;
}

constexpr std::size_t count_variants() {
  std::size_t n = 0;
  for (const Recipe& r : kRecipes) n += static_cast<std::size_t>(outputs_of(r)) * (r.with_mask ? 2 : 1) * 2;
  return n;
}

inline constexpr std::size_t kNumVariants = count_variants();

constexpr std::array<QuantVariant, kNumVariants> make_variants() {
  std::array<QuantVariant, kNumVariants> out{};
  std::size_t n = 0;
  for (const Recipe& r : kRecipes) {
    for (InDType in : {InDType::kBf16, InDType::kF32}) {
      for (int o = 0; o < outputs_of(r); ++o) {
        for (int m = 0; m < (r.with_mask ? 2 : 1); ++m) {
          QuantVariant v = output_variant(r, o);
          v.mask = m == 1;
          v.in = in;
          out[n++] = v;
        }
      }
    }
  }
  return out;
}

inline constexpr std::array<QuantVariant, kNumVariants> kVariants = make_variants();

constexpr bool matches(const QuantVariant& v, const QuantizeParams& p) {
  if (v.format != p.format || v.rule != p.scale_rule || v.rounding != p.rounding || v.hadamard != p.hadamard ||
      v.signs != p.random_signs || v.output != p.output || v.mask != (p.mask != nullptr) || v.in != p.in_dtype)
    return false;
  return p.output != QOutput::kDequantized || v.out_dtype == p.out_dtype;
}

// Index of the specialised kernel for p in kVariants, or -1 (generic kernel).
constexpr int find_variant(const QuantizeParams& p) {
  for (std::size_t i = 0; i < kVariants.size(); ++i)
    if (matches(kVariants[i], p)) return static_cast<int>(i);
  return -1;
}

// The largest element offset the specialised kernels may form, with their 32-bit unsigned positions:
// row kernel — the row after the last (the prefetch) plus a whole grid's chunk step; column kernel — padding
// lanes of the last 128 × 32 tile. Kept below 2^31 so the signed view is safe too.
inline constexpr int64_t kMaxIndex32 = (int64_t{1} << 31) - 1;

constexpr bool fits_32bit(int64_t rows, int64_t cols, int64_t grid_threads) {
  if (rows <= 0 || cols <= 0 || grid_threads < 0) return false;
  if (rows > kMaxIndex32 || cols > kMaxIndex32) return false;
  const int64_t padded = (rows + 128) * (cols + 128);  // column kernel tiles; also covers rows·cols + cols
  return padded + 8 * grid_threads <= kMaxIndex32;     // (no int64 overflow: both factors < 2^31 + 128)
}

}  // namespace lps::kernels::variants
