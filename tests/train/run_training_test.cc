#include "train_test_support.h"

#include <lps/data/synthetic_source.h>
#include <lps/core/error.h>
#include <lps/train/train_run.h>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

namespace lps::train {
namespace {
namespace fs = std::filesystem;

std::string fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("lps_run_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir.string();
}

// One intra-op thread: the tiny model gains nothing from more, and CI runs tests side by side on 2 cores.
TrainingOptions cpu() {
  torch::set_num_threads(1);
  TrainingOptions o;
  o.device = "cpu";
  return o;
}

// Entropy of the token marginal, estimated from held-out windows: what a model without context achieves.
double unigram_entropy(const plan::RunSpec& spec) {
  data::SyntheticSource source({.vocab_size = spec.data.vocab_size, .order = spec.data.synthetic_order, .seed = spec.data.seed});
  std::vector<int32_t> tokens(static_cast<size_t>(2000 * 33));
  source.heldout(0, 2000, 32, tokens);
  std::map<int32_t, double> counts;
  for (int32_t t : tokens) counts[t] += 1;
  double h = 0;
  for (const auto& [t, c] : counts) h -= c / static_cast<double>(tokens.size()) * std::log(c / static_cast<double>(tokens.size()));
  return h;
}

TEST(RunTraining, ATinyModelLearnsTheSyntheticSourceWellBelowItsUnigramEntropy) {
  const auto spec = test::tiny_spec(300);
  test::MemoryHooks hooks(fresh_dir("learn"));
  const auto result = run_training(spec, hooks, cpu());
  ASSERT_EQ(result.status, RunStatus::kCompleted) << result.message;
  data::SyntheticSource source({.vocab_size = 32, .order = 2, .seed = 5});
  const double unigram = unigram_entropy(spec);
  const double optimal = source.optimal_window_loss(32);
  std::printf("unigram entropy %.4f, final held-out loss %.4f, optimum %.4f, entropy rate %.4f\n", unigram,
              result.final_eval_loss, optimal, *source.entropy_rate());
  EXPECT_LT(result.final_eval_loss, unigram - 0.5);  // well below what a context-free model can do
  EXPECT_GT(result.final_eval_loss, optimal - 0.02);  // no model beats the source's true entropy
  EXPECT_EQ(result.steps, 300);
  ASSERT_FALSE(hooks.metrics.empty());
  EXPECT_EQ(hooks.metrics.back().eval_loss, result.final_eval_loss);
  EXPECT_EQ(hooks.metrics.size(), 30u);
}

TEST(RunTraining, StoppingCheckpointsAndResumingIsBitExact) {
  const auto spec = test::tiny_spec(60, 10);
  test::MemoryHooks straight_hooks(fresh_dir("straight"));
  const auto straight = run_training(spec, straight_hooks, cpu());
  ASSERT_EQ(straight.status, RunStatus::kCompleted);

  test::MemoryHooks hooks(fresh_dir("stopped"), /*stop_after=*/25);
  const auto stopped = run_training(spec, hooks, cpu());
  ASSERT_EQ(stopped.status, RunStatus::kStopped) << stopped.message;
  EXPECT_EQ(stopped.steps, 25);
  ASSERT_FALSE(hooks.records.empty());
  EXPECT_EQ(hooks.records.back().step, 25);
  hooks.never_stop();
  const auto resumed = run_training(spec, hooks, cpu());
  ASSERT_EQ(resumed.status, RunStatus::kCompleted);
  EXPECT_EQ(resumed.final_eval_loss, straight.final_eval_loss);
  EXPECT_EQ(resumed.params_sha256, straight.params_sha256);
}

TEST(RunTraining, ACorruptedCheckpointIsDetectedAndThePreviousOneUsed) {
  const auto spec = test::tiny_spec(60, 10);
  test::MemoryHooks straight_hooks(fresh_dir("straight2"));
  const auto straight = run_training(spec, straight_hooks, cpu());

  test::MemoryHooks hooks(fresh_dir("corrupt"), /*stop_after=*/35);
  ASSERT_EQ(run_training(spec, hooks, cpu()).status, RunStatus::kStopped);
  ASSERT_EQ(hooks.records.back().step, 35);
  {
    std::fstream f(hooks.records.back().path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(hooks.records.back().path) / 2));
    f.put('\x42');
  }
  // Only the newest two are kept on disk: 30 and 35.
  EXPECT_FALSE(fs::exists(hooks.records[1].path));
  EXPECT_TRUE(fs::exists(hooks.records[2].path));
  hooks.never_stop();
  const auto resumed = run_training(spec, hooks, cpu());
  ASSERT_EQ(resumed.status, RunStatus::kCompleted);
  ASSERT_EQ(hooks.reasons.size(), 1u);
  EXPECT_NE(hooks.reasons[0].find("SHA-256"), std::string::npos) << hooks.reasons[0];
  EXPECT_TRUE(hooks.rejected.contains(hooks.records[3].path));
  EXPECT_EQ(resumed.final_eval_loss, straight.final_eval_loss);
  EXPECT_EQ(resumed.params_sha256, straight.params_sha256);
}

TEST(RunTraining, AnExplodingRunIsDivergedWithItsStepAndValue) {
  auto spec = test::tiny_spec(100);
  spec.optim.lr = 50;
  spec.optim.warmup_fraction = 0;
  spec.optim.grad_clip = 0;
  spec.log_every_steps = 1;
  test::MemoryHooks hooks(fresh_dir("diverge"));
  const auto result = run_training(spec, hooks, cpu());
  ASSERT_EQ(result.status, RunStatus::kDiverged) << result.message;
  EXPECT_GT(result.diverged_step, 0);
  EXPECT_LT(result.diverged_step, 100);
  EXPECT_TRUE(!std::isfinite(result.diverged_value) || result.diverged_value > 2 * std::log(32.0));
  EXPECT_NE(result.message.find("diverged at step"), std::string::npos);
}

TEST(RunTraining, UnknownDataKindsAndDevicesAreUserErrors) {
  auto spec = test::tiny_spec(10);
  spec.data.kind = "parquet";
  test::MemoryHooks hooks(fresh_dir("bad"));
  EXPECT_THROW((void)run_training(spec, hooks, cpu()), Error);
  TrainingOptions odd;
  odd.device = "tpu";
  EXPECT_THROW((void)run_training(test::tiny_spec(10), hooks, odd), Error);
}

}  // namespace
}  // namespace lps::train
