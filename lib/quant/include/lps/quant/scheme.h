// Precision schemes as typed plain data (DESIGN.md §3): a quantizer per GEMM operand of a linear layer.
// The presets users type (bf16, fp8, mxfp4_rtn, mxfp4_sr, quest_fwd, quartet, quartet_sr, nvfp4, quartet2)
// are defined here, once: preset_scheme(name).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lps::quant {

enum class Format { kBf16, kFp8E4M3, kFp8E5M2, kMxfp4, kNvfp4, kInt4, kInt8 };
enum class Rounding { kRtn, kSr };
// kQuest: QuEST's Gaussian-MSE scale 0.48707976·σ rounded to the nearest power of two (E8M0). Added by the
// quant issue (additive): kQuestFloor, the power-of-two floor of QuEST's published code, and kQuestFp32, the
// same scale kept exactly in FP32 (not an MX layout; emulated GEMMs only). quantizer.h defines every rule
// bit for bit; docs/precision.md gives their MSE and why `quest` rounds to nearest.
enum class ScaleRule { kAbsmax, kAbsmax34, kQuest, kFourOverSix, kMsEden, kQuestFloor, kQuestFp32 };

struct OperandQuant {
  Format format = Format::kBf16;
  Rounding rounding = Rounding::kRtn;
  ScaleRule scale = ScaleRule::kAbsmax;
  int hadamard = 0;           // 0 = none, else 16 | 32 | 64 | 128 (along the GEMM's K dimension)
  bool random_signs = false;  // redrawn per call, applied before the Hadamard transform
  bool trust_mask = false;    // forward only: gradient zeroed where the value was clipped

  [[nodiscard]] bool is_identity() const { return format == Format::kBf16; }
  bool operator==(const OperandQuant&) const = default;
};

// Operand order: forward (X, W); input-gradient dX = dY·W (dY, W); weight-gradient dW = dYᵀ·X (dYᵀ, Xᵀ).
enum class Operand { kFwdX = 0, kFwdW, kBwdDy, kBwdW, kBwdDyT, kBwdXT };
inline constexpr int kNumOperands = 6;

struct Scheme {
  std::string name = "bf16";
  std::array<OperandQuant, kNumOperands> operands{};

  [[nodiscard]] const OperandQuant& at(Operand o) const { return operands[static_cast<int>(o)]; }
  [[nodiscard]] OperandQuant& at(Operand o) { return operands[static_cast<int>(o)]; }
  [[nodiscard]] bool is_baseline() const;  // every operand unquantized
  bool operator==(const Scheme&) const = default;
};

// Which sides of a linear layer a scheme quantizes — forward (X, W) and backward (the four backward
// operands) — and the narrowest element width on each side (16 where a side is unquantized). The fit's
// law labels (lpsweep fit) and bench train's speedup table both name a scheme's sides this way.
struct QuantizedSides {
  bool fwd = false;
  bool bwd = false;
  int fwd_bits = 16;
  int bwd_bits = 16;
};
[[nodiscard]] int element_bits(Format f);  // 16, 8 or 4
[[nodiscard]] QuantizedSides quantized_sides(const std::array<Format, kNumOperands>& formats);
[[nodiscard]] QuantizedSides quantized_sides(const Scheme& scheme);

// The named presets, in the order of DESIGN.md §3.
[[nodiscard]] const std::array<std::string_view, 9>& preset_names();
// The preset called `name`, or nullopt when there is none.
[[nodiscard]] std::optional<Scheme> preset_scheme(std::string_view name);

// Spelling used in YAML and exports ("mxfp4", "sr", "absmax_3_4", ...); parse_* return nullopt if unknown.
[[nodiscard]] std::string_view to_string(Format f);
[[nodiscard]] std::string_view to_string(Rounding r);
[[nodiscard]] std::string_view to_string(ScaleRule s);
[[nodiscard]] std::optional<Format> parse_format(std::string_view text);
[[nodiscard]] std::optional<Rounding> parse_rounding(std::string_view text);
[[nodiscard]] std::optional<ScaleRule> parse_scale_rule(std::string_view text);

}  // namespace lps::quant
