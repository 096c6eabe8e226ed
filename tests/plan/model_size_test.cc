// N for every paper preset (DESIGN.md §4 and the table) and the SwiGLU width rule.
#include <gtest/gtest.h>
#include <lps/plan/model_size.h>

namespace lps::plan {
namespace {

TEST(ModelSize, EveryPaperPresetHasThePublishedParameterCount) {
  const std::vector<std::pair<std::string, int64_t>> expected{{"30M", 30'482'560},   {"50M", 49'556'736},
                                                              {"100M", 102'777'856}, {"200M", 203'188'480},
                                                              {"430M", 443'068'288}, {"800M", 822'151'168}};
  for (const auto& [name, n] : expected) {
    SCOPED_TRACE(name);
    const std::optional<ModelShape> shape = preset_shape(name);
    ASSERT_TRUE(shape.has_value());
    EXPECT_EQ(count_non_embedding_params(*shape), n);
  }
}

TEST(ModelSize, PaperPresetsHaveTheDesignShapes) {
  const ModelShape s = *preset_shape("30M");
  EXPECT_EQ(s.n_layers, 6);
  EXPECT_EQ(s.d_model, 640);
  EXPECT_EQ(s.n_heads, 5);
  EXPECT_EQ(s.head_dim, 128);
  EXPECT_EQ(s.d_ff, 1792);
  EXPECT_EQ(s.seq_len, 512);
  const ModelShape big = *preset_shape("800M");
  EXPECT_EQ(big.n_layers, 16);
  EXPECT_EQ(big.d_model, 2048);
  EXPECT_EQ(big.n_heads, 16);
}

TEST(ModelSize, TinyPresetsAreSmallEnoughForACpu) {
  int tiny = 0;
  for (const ModelPreset& p : model_presets()) {
    if (p.name.rfind("tiny-", 0) != 0) continue;
    ++tiny;
    SCOPED_TRACE(std::string(p.name));
    EXPECT_GE(p.d_model, 32);
    EXPECT_LE(p.d_model, 128);
    EXPECT_GE(p.n_layers, 1);
    EXPECT_LE(p.n_layers, 4);
    EXPECT_GE(p.head_dim, 16);
    EXPECT_LE(p.head_dim, 32);
    EXPECT_GE(p.seq_len, 64);
    EXPECT_LE(p.seq_len, 128);
    EXPECT_GT(p.lr, 0);
  }
  EXPECT_EQ(tiny, 4);
  EXPECT_EQ(count_non_embedding_params(*preset_shape("tiny-xs")), 28'768);
}

TEST(ModelSize, TheSwigluWidthRoundsUpToAMultipleOf256) {
  EXPECT_EQ(config::default_d_ff(640), 1792);   // ⌊1706.67⌋ = 1706 -> 1792
  EXPECT_EQ(config::default_d_ff(96), 256);     // 256 exactly
  EXPECT_EQ(config::default_d_ff(2048), 5632);  // 5461 -> 5632
  EXPECT_EQ(config::default_d_ff(1), 256);      // ⌊8/3⌋ = 2 -> 256
}

TEST(ModelSize, UnknownPresetsHaveNoShape) {
  EXPECT_FALSE(preset_shape("31M").has_value());
}

}  // namespace
}  // namespace lps::plan
