// The scheme words config accepts agree with lps::quant, which defines them.
#include <lps/config/scheme_vocabulary.h>
#include <lps/quant/scheme.h>

#include <gtest/gtest.h>

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
