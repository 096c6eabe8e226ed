#include <lps/model/transformer.h>

#include <lps/core/error.h>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace lps::model {
namespace {

struct PaperSize {
  const char* name;
  int64_t n;
};

constexpr PaperSize kPaper[] = {{"30M", 30482560},   {"50M", 49556736},   {"100M", 102777856},
                                {"200M", 203188480}, {"430M", 443068288}, {"800M", 822151168}};

TEST(Transformer, PaperPresetsHaveThePublishedNonEmbeddingParameterCounts) {
  for (const auto& p : kPaper) {
    auto config = preset_config(p.name);
    ASSERT_TRUE(config.has_value()) << p.name;
    config->vocab_size = 32000;
    EXPECT_EQ(count_non_embedding_params(*config), p.n) << p.name << " counted on the meta device";
    EXPECT_EQ(formula_non_embedding_params(*config), p.n) << p.name << " by formula";
  }
}

TEST(Transformer, RealModulesOfTheSmallPresetsCountTheSame) {
  for (const char* name : {"30M", "50M"}) {
    auto config = *preset_config(name);
    config.vocab_size = 256;
    Transformer model(config);
    EXPECT_EQ(model->non_embedding_params(), count_non_embedding_params(config)) << name;
    int64_t all = 0;
    for (const auto& p : model->parameters()) all += p.numel();
    EXPECT_EQ(all - model->non_embedding_params(), 2 * 256 * config.d_model) << name;
  }
}

TEST(Transformer, DffFollowsTheRoundedEightThirdsRule) {
  EXPECT_EQ(default_d_ff(640), 1792);
  EXPECT_EQ(default_d_ff(768), 2048);
  EXPECT_EQ(default_d_ff(1024), 2816);
  EXPECT_EQ(default_d_ff(2048), 5632);
}

TEST(Transformer, LogitsOfEarlierPositionsIgnoreLaterTokens) {
  torch::manual_seed(0);
  ModelConfig config = *preset_config("nano");
  config.vocab_size = 50;
  config.max_seq_len = 16;
  Transformer model(config);
  auto a = torch::randint(0, 50, {2, 12}, torch::kLong);
  auto b = a.clone();
  b.index_put_({torch::indexing::Slice(), 8}, (a.index({torch::indexing::Slice(), 8}) + 1) % 50);
  torch::NoGradGuard guard;
  auto la = model->forward(a), lb = model->forward(b);
  ASSERT_EQ(la.sizes(), (std::vector<int64_t>{2, 12, 50}));
  EXPECT_TRUE(torch::equal(la.narrow(1, 0, 8), lb.narrow(1, 0, 8)));
  EXPECT_FALSE(torch::allclose(la.narrow(1, 8, 4), lb.narrow(1, 8, 4)));
}

TEST(Transformer, InitialisationUsesScaledStdOnResidualOutputs) {
  torch::manual_seed(1);
  ModelConfig config = *preset_config("tiny2");
  config.vocab_size = 1000;
  Transformer model(config);
  auto block = model->layers[0]->as<BlockImpl>();
  EXPECT_NEAR(block->wqkv.std().item<double>(), 0.02, 0.002);
  EXPECT_NEAR(block->wo.std().item<double>(), 0.02 / std::sqrt(8.0), 0.001);
  EXPECT_NEAR(block->w2.std().item<double>(), 0.02 / std::sqrt(8.0), 0.001);
  EXPECT_TRUE(torch::equal(block->attn_norm, torch::ones_like(block->attn_norm)));
  EXPECT_NEAR(model->embed.std().item<double>(), 0.02, 0.002);
  // Fresh model: loss ≈ ln V.
  torch::NoGradGuard guard;
  auto tokens = torch::randint(0, 1000, {2, 33}, torch::kLong);
  const double loss = model->loss(tokens.narrow(1, 0, 32), tokens.narrow(1, 1, 32)).item<double>();
  EXPECT_NEAR(loss, std::log(1000.0), 0.05);
}

TEST(Transformer, WeightDecayGroupsSplitMatricesFromNormsAndEmbeddings) {
  ModelConfig config = *preset_config("nano");
  Transformer model(config);
  EXPECT_EQ(model->decay_params().size(), 4u * config.n_layers);
  EXPECT_EQ(model->no_decay_params().size(), 2u * config.n_layers + 3);
}

TEST(Transformer, BadConfigsListEveryProblem) {
  ModelConfig config;
  config.head_dim = 3;
  config.n_layers = 0;
  try {
    Transformer model(config);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("head_dim"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("n_layers"), std::string::npos);
  }
}

}  // namespace
}  // namespace lps::model
