#include <lps/train/trainer.h>

#include <lps/data/synthetic_source.h>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace lps::train {
namespace {

struct Rig {
  data::SyntheticSource source{data::SyntheticOptions{.vocab_size = 32, .order = 2, .slots = 4, .seed = 1}};
  model::ModelConfig config;
  TrainerOptions options;
  Rig() {
    torch::set_num_threads(1);  // tiny model; CI runs tests side by side on 2 cores
    config.n_layers = 1;
    config.d_model = 32;
    config.n_heads = 2;
    config.head_dim = 16;
    config.vocab_size = 32;
    config.max_seq_len = 16;
    options.batch_seqs = 8;
    options.seq_len = 16;
    options.schedule.lr = 1e-2;
    options.schedule.total_steps = 20;
    options.schedule.warmup_steps = 2;
    options.seed = 9;
  }
};

TEST(Trainer, SavedStateRestoresTheSameTrajectoryBitForBit) {
  Rig a;
  Trainer first(a.options, a.config, a.source, torch::kCPU);
  for (int i = 0; i < 5; ++i) first.train_step();
  const auto state = first.save_state();
  for (int i = 0; i < 5; ++i) first.train_step();

  Rig b;
  Trainer second(b.options, b.config, b.source, torch::kCPU);
  second.train_step();  // a different state, overwritten by the load
  second.load_state(state);
  EXPECT_EQ(second.step(), 5);
  EXPECT_EQ(b.source.position(), 5 * 8);
  for (int i = 0; i < 5; ++i) second.train_step();
  EXPECT_EQ(first.params_sha256(), second.params_sha256());
  EXPECT_EQ(first.evaluate(), second.evaluate());
}

TEST(Trainer, GradientAccumulationMatchesOneBigBatch) {
  Rig a, b;
  b.options.micro_batch_seqs = 2;
  Trainer whole(a.options, a.config, a.source, torch::kCPU);
  Trainer split(b.options, b.config, b.source, torch::kCPU);
  for (int i = 0; i < 3; ++i) {
    whole.train_step();
    split.train_step();
  }
  const auto x = whole.flush_metrics(), y = split.flush_metrics();
  ASSERT_EQ(x.size(), 3u);
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(x[i].loss, y[i].loss, 1e-5);
    EXPECT_NEAR(x[i].grad_norm, y[i].grad_norm, 1e-4 * x[i].grad_norm);
  }
}

TEST(Trainer, WeightDecayTouchesBlockMatricesOnly) {
  Rig a, b;
  b.options.weight_decay = 0;
  Trainer decayed(a.options, a.config, a.source, torch::kCPU);
  Trainer plain(b.options, b.config, b.source, torch::kCPU);
  decayed.train_step();
  plain.train_step();
  auto x = decayed.model()->named_parameters(), y = plain.model()->named_parameters();
  for (const auto& item : x) {
    const bool same = torch::equal(item.value(), y[item.key()]);
    const bool block_matrix = item.value().dim() == 2 && item.key() != "embed" && item.key() != "head";
    EXPECT_EQ(same, !block_matrix) << item.key();
  }
}

TEST(Trainer, BadOptionsAreAllReported) {
  Rig s;
  s.options.batch_seqs = 6;
  s.options.micro_batch_seqs = 4;
  s.options.schedule.lr = 0;
  try {
    Trainer trainer(s.options, s.config, s.source, torch::kCPU);
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("micro_batch_seqs"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("optim.lr"), std::string::npos);
  }
}

}  // namespace
}  // namespace lps::train
