// The named presets of DESIGN.md §3 and the YAML spelling of formats, roundings and scale rules.
#include <lps/quant/scheme.h>

#include <algorithm>
#include <utility>

namespace lps::quant {
namespace {

constexpr std::array<std::pair<Format, std::string_view>, 7> kFormatNames{{
    {Format::kBf16, "bf16"},
    {Format::kFp8E4M3, "fp8_e4m3"},
    {Format::kFp8E5M2, "fp8_e5m2"},
    {Format::kMxfp4, "mxfp4"},
    {Format::kNvfp4, "nvfp4"},
    {Format::kInt4, "int4"},
    {Format::kInt8, "int8"},
}};
constexpr std::array<std::pair<Rounding, std::string_view>, 2> kRoundingNames{{
    {Rounding::kRtn, "rtn"},
    {Rounding::kSr, "sr"},
}};
constexpr std::array<std::pair<ScaleRule, std::string_view>, 7> kScaleNames{{
    {ScaleRule::kAbsmax, "absmax"},
    {ScaleRule::kAbsmax34, "absmax_3_4"},
    {ScaleRule::kQuest, "quest"},
    {ScaleRule::kFourOverSix, "four_over_six"},
    {ScaleRule::kMsEden, "ms_eden"},
    {ScaleRule::kQuestFloor, "quest_floor"},
    {ScaleRule::kQuestFp32, "quest_fp32"},
}};

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum e) {
  for (const auto& [value, name] : table)
    if (value == e) return name;
  return "?";
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                             std::string_view text) {
  for (const auto& [value, name] : table)
    if (name == text) return value;
  return std::nullopt;
}

OperandQuant operand(Format f, Rounding r, ScaleRule s, int hadamard = 0, bool random_signs = false,
                     bool trust_mask = false) {
  OperandQuant q;
  q.format = f;
  q.rounding = r;
  q.scale = s;
  q.hadamard = hadamard;
  q.random_signs = random_signs;
  q.trust_mask = trust_mask;
  return q;
}

Scheme uniform(std::string name, const OperandQuant& q) {
  Scheme s;
  s.name = std::move(name);
  s.operands.fill(q);
  return s;
}

void set_forward(Scheme& s, const OperandQuant& q) {
  s.at(Operand::kFwdX) = q;
  s.at(Operand::kFwdW) = q;
}

void set_backward(Scheme& s, const OperandQuant& q) {
  s.at(Operand::kBwdDy) = q;
  s.at(Operand::kBwdW) = q;
  s.at(Operand::kBwdDyT) = q;
  s.at(Operand::kBwdXT) = q;
}

// QuEST forward: fixed (sign-free) Hadamard-32 on X and W, Gaussian-MSE scale, RTN, trust mask.
OperandQuant quest_forward() {
  return operand(Format::kMxfp4, Rounding::kRtn, ScaleRule::kQuest, 32, false, true);
}

// Quartet backward: MXFP4, random-sign Hadamard-32 (signs before H), AbsMax with 3/4 headroom.
OperandQuant quartet_backward(Rounding r) {
  return operand(Format::kMxfp4, r, ScaleRule::kAbsmax34, 32, true, false);
}

Scheme make_preset(std::string_view name) {
  const std::string n(name);
  if (name == "bf16") return uniform(n, OperandQuant{});
  if (name == "fp8") {
    // E4M3 for the forward operands and for the weights of the input-gradient GEMM; E5M2 for gradients
    // (dY) and, in the weight-gradient GEMM, E4M3 for the activations. Tensorwise absmax scales, RTN.
    Scheme s = uniform(n, operand(Format::kFp8E4M3, Rounding::kRtn, ScaleRule::kAbsmax));
    s.at(Operand::kBwdDy) = operand(Format::kFp8E5M2, Rounding::kRtn, ScaleRule::kAbsmax);
    s.at(Operand::kBwdDyT) = operand(Format::kFp8E5M2, Rounding::kRtn, ScaleRule::kAbsmax);
    return s;
  }
  if (name == "mxfp4_rtn") return uniform(n, operand(Format::kMxfp4, Rounding::kRtn, ScaleRule::kAbsmax));
  if (name == "mxfp4_sr") {
    // SR needs headroom so that nothing saturates (saturation would bias it): 3/4 scale, output x 16/9.
    return uniform(n, operand(Format::kMxfp4, Rounding::kSr, ScaleRule::kAbsmax34));
  }
  if (name == "quest_fwd") {
    Scheme s = uniform(n, OperandQuant{});
    set_forward(s, quest_forward());
    return s;
  }
  if (name == "quartet" || name == "quartet_sr") {
    Scheme s = uniform(n, OperandQuant{});
    set_forward(s, quest_forward());
    set_backward(s, quartet_backward(name == "quartet" ? Rounding::kRtn : Rounding::kSr));
    return s;
  }
  if (name == "nvfp4") return uniform(n, operand(Format::kNvfp4, Rounding::kRtn, ScaleRule::kAbsmax));
  if (name == "quartet2") {
    // Quartet II: NVFP4 forward with the 4/6 per-block scale choice; backward MS-EDEN (random-sign
    // Hadamard-128, RTN values, EDEN correction folded into stochastically rounded E4M3 scales).
    Scheme s = uniform(n, OperandQuant{});
    set_forward(s, operand(Format::kNvfp4, Rounding::kRtn, ScaleRule::kFourOverSix));
    set_backward(s, operand(Format::kNvfp4, Rounding::kRtn, ScaleRule::kMsEden, 128, true, false));
    return s;
  }
  return Scheme{};
}

}  // namespace

bool Scheme::is_baseline() const {
  return std::all_of(operands.begin(), operands.end(), [](const OperandQuant& q) { return q.is_identity(); });
}

int element_bits(Format f) {
  switch (f) {
    case Format::kBf16: return 16;
    case Format::kFp8E4M3:
    case Format::kFp8E5M2:
    case Format::kInt8: return 8;
    case Format::kMxfp4:
    case Format::kNvfp4:
    case Format::kInt4: return 4;
  }
  return 16;
}

QuantizedSides quantized_sides(const std::array<Format, kNumOperands>& formats) {
  QuantizedSides q;
  for (int i = 0; i < kNumOperands; ++i) {
    const int bits = element_bits(formats[static_cast<size_t>(i)]);
    const bool forward = i < static_cast<int>(Operand::kBwdDy);
    (forward ? q.fwd : q.bwd) |= bits < 16;
    int& side_bits = forward ? q.fwd_bits : q.bwd_bits;
    side_bits = std::min(side_bits, bits);
  }
  return q;
}

QuantizedSides quantized_sides(const Scheme& scheme) {
  std::array<Format, kNumOperands> formats{};
  for (int i = 0; i < kNumOperands; ++i) formats[static_cast<size_t>(i)] = scheme.operands[static_cast<size_t>(i)].format;
  return quantized_sides(formats);
}

const std::array<std::string_view, 9>& preset_names() {
  static const std::array<std::string_view, 9> kNames{
      "bf16", "fp8", "mxfp4_rtn", "mxfp4_sr", "quest_fwd", "quartet", "quartet_sr", "nvfp4", "quartet2"};
  return kNames;
}

std::optional<Scheme> preset_scheme(std::string_view name) {
  const auto& names = preset_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) return std::nullopt;
  return make_preset(name);
}

std::string_view to_string(Format f) {
  return name_of(kFormatNames, f);
}
std::string_view to_string(Rounding r) {
  return name_of(kRoundingNames, r);
}
std::string_view to_string(ScaleRule s) {
  return name_of(kScaleNames, s);
}
std::optional<Format> parse_format(std::string_view text) {
  return value_of(kFormatNames, text);
}
std::optional<Rounding> parse_rounding(std::string_view text) {
  return value_of(kRoundingNames, text);
}
std::optional<ScaleRule> parse_scale_rule(std::string_view text) {
  return value_of(kScaleNames, text);
}

}  // namespace lps::quant
