#include <gtest/gtest.h>
#include <lps/quant/quantizer.h>
#include <lps/quant/scheme.h>

namespace lps::quant {
namespace {

TEST(Scheme, EveryPresetNameParsesAndNamesItself) {
  for (std::string_view name : preset_names()) {
    const auto s = preset_scheme(name);
    ASSERT_TRUE(s.has_value()) << name;
    EXPECT_EQ(s->name, name);
    for (const OperandQuant& q : s->operands) EXPECT_TRUE(operand_problems(q).empty()) << name;
  }
  EXPECT_FALSE(preset_scheme("fp5").has_value());
}

TEST(Scheme, OnlyBf16IsBaseline) {
  for (std::string_view name : preset_names())
    EXPECT_EQ(preset_scheme(name)->is_baseline(), name == "bf16") << name;
}

TEST(Scheme, QuartetIsQuestForwardAndRandomSignHadamardBackward) {
  const Scheme s = *preset_scheme("quartet");
  EXPECT_EQ(s.at(Operand::kFwdX).scale, ScaleRule::kQuest);
  EXPECT_EQ(s.at(Operand::kFwdX).hadamard, 32);
  EXPECT_FALSE(s.at(Operand::kFwdX).random_signs);
  EXPECT_TRUE(s.at(Operand::kFwdW).trust_mask);
  for (Operand o : {Operand::kBwdDy, Operand::kBwdW, Operand::kBwdDyT, Operand::kBwdXT}) {
    EXPECT_EQ(s.at(o).format, Format::kMxfp4);
    EXPECT_EQ(s.at(o).scale, ScaleRule::kAbsmax34);
    EXPECT_EQ(s.at(o).rounding, Rounding::kRtn);
    EXPECT_TRUE(s.at(o).random_signs);
    EXPECT_EQ(s.at(o).hadamard, 32);
  }
  EXPECT_EQ(preset_scheme("quartet_sr")->at(Operand::kBwdDy).rounding, Rounding::kSr);
  EXPECT_TRUE(preset_scheme("quest_fwd")->at(Operand::kBwdDy).is_identity());
}

TEST(Scheme, Fp8UsesE4m3ForwardAndE5m2Gradients) {
  const Scheme s = *preset_scheme("fp8");
  EXPECT_EQ(s.at(Operand::kFwdX).format, Format::kFp8E4M3);
  EXPECT_EQ(s.at(Operand::kBwdDy).format, Format::kFp8E5M2);
  EXPECT_EQ(s.at(Operand::kBwdDyT).format, Format::kFp8E5M2);
}

TEST(Scheme, Quartet2IsFourOverSixForwardAndMsEdenBackward) {
  const Scheme s = *preset_scheme("quartet2");
  EXPECT_EQ(s.at(Operand::kFwdW).scale, ScaleRule::kFourOverSix);
  EXPECT_EQ(s.at(Operand::kBwdXT).scale, ScaleRule::kMsEden);
  EXPECT_EQ(s.at(Operand::kBwdXT).hadamard, 128);
}

TEST(Scheme, SpellingsRoundTrip) {
  for (Format f : {Format::kBf16, Format::kFp8E4M3, Format::kFp8E5M2, Format::kMxfp4, Format::kNvfp4})
    EXPECT_EQ(parse_format(to_string(f)), f);
  for (Rounding r : {Rounding::kRtn, Rounding::kSr}) EXPECT_EQ(parse_rounding(to_string(r)), r);
  for (ScaleRule s : {ScaleRule::kAbsmax, ScaleRule::kAbsmax34, ScaleRule::kQuest, ScaleRule::kFourOverSix,
                      ScaleRule::kMsEden, ScaleRule::kQuestFloor, ScaleRule::kQuestFp32})
    EXPECT_EQ(parse_scale_rule(to_string(s)), s);
  EXPECT_EQ(to_string(ScaleRule::kAbsmax34), "absmax_3_4");
  EXPECT_FALSE(parse_format("fp4").has_value());
}

TEST(Scheme, OperandProblemsNameTheBadCombination) {
  OperandQuant q;
  q.format = Format::kMxfp4;
  q.scale = ScaleRule::kFourOverSix;
  ASSERT_EQ(operand_problems(q).size(), 1u);
  EXPECT_NE(operand_problems(q)[0].find("nvfp4"), std::string::npos);
  q = OperandQuant{};
  q.format = Format::kNvfp4;
  q.hadamard = 48;
  q.random_signs = true;
  EXPECT_EQ(operand_problems(q).size(), 1u);
  q.hadamard = 0;
  EXPECT_EQ(operand_problems(q).size(), 1u);  // signs without a Hadamard
}

TEST(Scheme, QuantizedSidesNameWhatEachPresetQuantizesAndItsNarrowestWidth) {
  const auto sides = [](std::string_view name) { return quantized_sides(*preset_scheme(name)); };
  const QuantizedSides bf16 = sides("bf16");
  EXPECT_FALSE(bf16.fwd);
  EXPECT_FALSE(bf16.bwd);
  EXPECT_EQ(bf16.fwd_bits, 16);
  const QuantizedSides quest = sides("quest_fwd");  // forward only: the backward stays BF16
  EXPECT_TRUE(quest.fwd);
  EXPECT_FALSE(quest.bwd);
  EXPECT_EQ(quest.fwd_bits, 4);
  EXPECT_EQ(quest.bwd_bits, 16);
  const QuantizedSides fp8 = sides("fp8");
  EXPECT_TRUE(fp8.fwd && fp8.bwd);
  EXPECT_EQ(fp8.fwd_bits, 8);
  EXPECT_EQ(fp8.bwd_bits, 8);
  const QuantizedSides quartet = sides("quartet");
  EXPECT_TRUE(quartet.fwd && quartet.bwd);
  EXPECT_EQ(quartet.bwd_bits, 4);
  // One quantized backward operand is enough to make the backward side quantized.
  std::array<Format, kNumOperands> formats{};
  formats[static_cast<size_t>(Operand::kBwdXT)] = Format::kFp8E5M2;
  const QuantizedSides one = quantized_sides(formats);
  EXPECT_FALSE(one.fwd);
  EXPECT_TRUE(one.bwd);
  EXPECT_EQ(one.bwd_bits, 8);
}

}  // namespace
}  // namespace lps::quant
