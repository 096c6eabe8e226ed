// The scheme words config accepts agree with lps::quant, which defines them.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <lps/config/load_sweep.h>
#include <lps/config/scheme_vocabulary.h>
#include <lps/core/diagnostic.h>
#include <lps/quant/quantizer.h>
#include <lps/quant/scheme.h>

namespace lps::config {
namespace {

TEST(SchemeVocabulary, PresetNamesAreExactlyThoseQuantDefines) {
  const auto ours = scheme_preset_names();
  const auto& theirs = quant::preset_names();
  ASSERT_EQ(ours.size(), theirs.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(ours[i], theirs[i]);
    EXPECT_TRUE(quant::preset_scheme(ours[i]).has_value()) << ours[i];
  }
}

TEST(SchemeVocabulary, EveryOperandWordParsesInQuant) {
  for (std::string_view f : operand_formats()) EXPECT_TRUE(quant::parse_format(f).has_value()) << f;
  for (std::string_view r : operand_roundings()) EXPECT_TRUE(quant::parse_rounding(r).has_value()) << r;
  for (std::string_view s : operand_scales()) EXPECT_TRUE(quant::parse_scale_rule(s).has_value()) << s;
}

}  // namespace
}  // namespace lps::config

namespace lps::config {
namespace {

// Every format × rounding × scale: a sweep accepts exactly the quantized operands lps::quant accepts.
TEST(SchemeVocabulary, ConfigAcceptsExactlyTheOperandCombinationsQuantAccepts) {
  int compared = 0;
  for (std::string_view format : operand_formats()) {
    if (format == "bf16") continue;  // config refuses settings on unquantized operands; quant ignores them
    for (std::string_view rounding : operand_roundings()) {
      for (std::string_view scale : operand_scales()) {
        quant::OperandQuant q;
        q.format = *quant::parse_format(format);
        q.rounding = *quant::parse_rounding(rounding);
        q.scale = *quant::parse_scale_rule(scale);
        const bool quant_ok = quant::operand_problems(q).empty();
        const std::string yaml = fmt::format(
            "name: c\nmodels: [tiny-xs]\ntokens: [1M]\nschemes:\n  - name: s\n    fwd: {{format: {}, "
            "rounding: {}, "
            "scale: {}}}\n",
            format, rounding, scale);
        bool config_ok = true;
        try {
          (void)load_sweep_string(yaml, "combination.yaml");
        } catch (const UserInputError&) {
          config_ok = false;
        }
        EXPECT_EQ(config_ok, quant_ok) << format << " " << rounding << " " << scale;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 6 * 2 * 7);
}

}  // namespace
}  // namespace lps::config
