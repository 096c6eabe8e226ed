// Grid expansion: counts, order, budgets rounded to steps, learning-rate rules, problems located.
#include <gtest/gtest.h>
#include <lps/core/diagnostic.h>
#include <lps/plan/expand.h>
#include <lps/plan/model_size.h>
#include <lps/plan/run_key.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "plan_test_support.h"

namespace lps::plan {
namespace {

using test::sweep_from;

TEST(Expand, TheGridIsModelsTimesBudgetsTimesSchemesTimesSeeds) {
  const auto runs = expand(sweep_from(R"(name: grid
models: [tiny-xs, tiny-s, tiny-m]
tokens: [100K, 200K]
tokens_per_param: [5]
schemes: [bf16, fp8, quartet, {name: mx, bwd: {format: mxfp4}}]
seeds: [0, 1]
train: {batch_seqs: 8}
)"));
  EXPECT_EQ(runs.size(), 3u * 3u * 4u * 2u);
  std::set<std::string> keys;
  for (const RunSpec& r : runs) keys.insert(run_key(r));
  EXPECT_EQ(keys.size(), runs.size()) << "every run has its own key";
}

TEST(Expand, TheQuickstartSweepHas27Runs) {
  const auto runs = expand(
      config::load_sweep_file((std::filesystem::path(LPS_SOURCE_DIR) / "sweeps/quickstart.yaml").string()));
  EXPECT_EQ(runs.size(), 27u);
}

TEST(Expand, TheGpuSweepHas45RunsOfPaperSizes) {
  config::LoadOptions options;
  options.check_data_paths = false;  // its corpus lives on the GPU machine
  const auto runs = expand(config::load_sweep_file(
      (std::filesystem::path(LPS_SOURCE_DIR) / "sweeps/gpu-h100.yaml").string(), options));
  EXPECT_EQ(runs.size(), 45u);
  for (const RunSpec& r : runs) {
    EXPECT_EQ(r.optim.batch_seqs * r.model.seq_len * (r.tokens / (r.optim.batch_seqs * r.model.seq_len)), r.tokens);
    const double ratio = static_cast<double>(r.tokens) / static_cast<double>(r.n_params);
    EXPECT_TRUE(std::abs(ratio - 25) < 0.5 || std::abs(ratio - 50) < 0.5 || std::abs(ratio - 100) < 0.5)
        << run_label(r) << " D/N = " << ratio;
  }
}

TEST(Expand, OrderIsModelsThenIncreasingBudgetsThenSchemesThenSeeds) {
  const auto runs = expand(sweep_from(R"(name: order
models: [tiny-s, tiny-xs]
tokens: [400K, 100K]
schemes: [quartet, bf16]
seeds: [3, 1]
train: {batch_seqs: 8}
)"));
  std::vector<std::string> labels;
  for (const RunSpec& r : runs) labels.push_back(run_label(r));
  const std::vector<std::string> expected{
      "tiny-s_D100K_quartet_s3",  "tiny-s_D100K_quartet_s1",  "tiny-s_D100K_bf16_s3",
      "tiny-s_D100K_bf16_s1",     "tiny-s_D400K_quartet_s3",  "tiny-s_D400K_quartet_s1",
      "tiny-s_D400K_bf16_s3",     "tiny-s_D400K_bf16_s1",     "tiny-xs_D100K_quartet_s3",
      "tiny-xs_D100K_quartet_s1", "tiny-xs_D100K_bf16_s3",    "tiny-xs_D100K_bf16_s1",
      "tiny-xs_D400K_quartet_s3", "tiny-xs_D400K_quartet_s1", "tiny-xs_D400K_bf16_s3",
      "tiny-xs_D400K_bf16_s1"};
  EXPECT_EQ(labels, expected);
}

TEST(Expand, BudgetsAreRoundedToWholeOptimizerSteps) {
  const auto runs = expand(sweep_from(R"(name: steps
models: [tiny-m]
tokens: [100K]
tokens_per_param: [3]
schemes: [bf16]
train: {batch_seqs: 8}
)"));
  ASSERT_EQ(runs.size(), 2u);
  const int64_t step = 8 * 128;
  EXPECT_EQ(runs[0].tokens, 98 * step);  // 100,000 / 1,024 = 97.66 -> 98 steps
  const double wanted = 3.0 * 332'448;   // N(tiny-m) = 332,448
  EXPECT_EQ(runs[1].tokens, static_cast<int64_t>(std::round(wanted / step)) * step);
  EXPECT_EQ(runs[1].n_params, 332'448);
}

TEST(Expand, BudgetsThatRoundToTheSameTokensAreKeptOnce) {
  const auto runs =
      expand(sweep_from("name: same\nmodels: [tiny-xs]\ntokens: [100000, 100050]\nschemes: [bf16]\n"
                        "train: {batch_seqs: 8}\n"));
  EXPECT_EQ(runs.size(), 1u);
}

TEST(Expand, ARatioBudgetBelowOneStepIsReportedAtItsPlace) {
  try {
    (void)expand(sweep_from(R"(name: small
models: [tiny-xs, tiny-l]
tokens_per_param: [0.001, 25]
schemes: [bf16]
train: {batch_seqs: 64}
)"));
    FAIL() << "expected UserInputError";
  } catch (const UserInputError& e) {
    ASSERT_EQ(e.problems().size(), 2u) << e.what();
    const Diagnostic& d = e.problems()[0];
    EXPECT_EQ(d.line, 3);
    EXPECT_EQ(d.col, 20);
    EXPECT_EQ(d.key_path, "tokens_per_param[0]");
    EXPECT_EQ(
        d.message,
        "0.001 × N (28768) = 29 tokens is less than one optimizer step of model 'tiny-xs' (64 sequences × 64 "
        "tokens = 4096); raise the budget or shrink train.batch_seqs");
    EXPECT_NE(e.problems()[1].message.find("model 'tiny-l'"), std::string::npos);
  }
}

TEST(Expand, RunsCarryEveryValueOfTheSweep) {
  const auto runs = expand(sweep_from(R"(name: values
data: {kind: synthetic, vocab: 300, seed: 9, heldout_fraction: 0.02, synthetic_order: 2}
models: [tiny-s]
tokens: [1M]
schemes: [{name: mx, bwd: {format: mxfp4, rounding: sr, scale: absmax_3_4, hadamard: 32, random_signs: true}}]
seeds: [5]
train: {lr: 2e-3, final_lr_ratio: 0.2, warmup_fraction: 0.05, warmup_start_ratio: 0.02, weight_decay: 0.01,
        betas: [0.8, 0.9], grad_clip: 0.5, batch_seqs: 16, micro_batch_seqs: 4}
eval: {every_steps: 50, tokens: 8K}
checkpoint: {every_steps: 20, keep: 3}
retry: {max_attempts: 5, backoff_s: 2.5}
log_every_steps: 7
)"));
  ASSERT_EQ(runs.size(), 1u);
  const RunSpec& r = runs[0];
  EXPECT_EQ(r.sweep, "values");
  EXPECT_EQ(r.model.preset, "tiny-s");
  EXPECT_EQ(r.model.vocab_size, 300);
  EXPECT_EQ(r.model.seq_len, 64);
  EXPECT_EQ(r.n_params, 131'392);
  EXPECT_EQ(r.seed, 5u);
  EXPECT_EQ(r.scheme.name, "mx");
  EXPECT_EQ(r.scheme.preset, "");
  EXPECT_EQ(r.scheme.fwd_x, OperandSpec{});
  EXPECT_EQ(r.scheme.bwd_w.format, "mxfp4");
  EXPECT_EQ(r.scheme.bwd_w.rounding, "sr");
  EXPECT_EQ(r.scheme.bwd_w.scale, "absmax_3_4");
  EXPECT_EQ(r.scheme.bwd_w.hadamard, 32);
  EXPECT_TRUE(r.scheme.bwd_w.random_signs);
  EXPECT_DOUBLE_EQ(r.optim.lr, 2e-3);
  EXPECT_DOUBLE_EQ(r.optim.final_lr_ratio, 0.2);
  EXPECT_DOUBLE_EQ(r.optim.warmup_fraction, 0.05);
  EXPECT_DOUBLE_EQ(r.optim.warmup_start_ratio, 0.02);
  EXPECT_DOUBLE_EQ(r.optim.weight_decay, 0.01);
  EXPECT_DOUBLE_EQ(r.optim.beta1, 0.8);
  EXPECT_DOUBLE_EQ(r.optim.beta2, 0.9);
  EXPECT_DOUBLE_EQ(r.optim.grad_clip, 0.5);
  EXPECT_EQ(r.optim.batch_seqs, 16);
  EXPECT_EQ(r.optim.micro_batch_seqs, 4);
  EXPECT_EQ(r.eval.every_steps, 50);
  EXPECT_EQ(r.eval.tokens, 8000);
  EXPECT_EQ(r.checkpoint.every_steps, 20);
  EXPECT_EQ(r.checkpoint.keep, 3);
  EXPECT_EQ(r.retry.max_attempts, 5);
  EXPECT_DOUBLE_EQ(r.retry.backoff_s, 2.5);
  EXPECT_EQ(r.log_every_steps, 7);
  EXPECT_EQ(r.data.kind, "synthetic");
  EXPECT_EQ(r.data.vocab_size, 300);
  EXPECT_EQ(r.data.seed, 9u);
  EXPECT_DOUBLE_EQ(r.data.heldout_fraction, 0.02);
  EXPECT_EQ(r.data.synthetic_order, 2);
}

TEST(Expand, PresetSchemesKeepTheirNameAndDefaultOperands) {
  const auto runs = expand(sweep_from("name: p\nmodels: [tiny-xs]\ntokens: [1M]\nschemes: [quartet]\n"));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].scheme.name, "quartet");
  EXPECT_EQ(runs[0].scheme.preset, "quartet");
  EXPECT_EQ(runs[0].scheme.bwd_dy, OperandSpec{});
}

TEST(Expand, LearningRatesFollowThePaperTableOrAPowerLaw) {
  const auto paper = expand(sweep_from("name: p\nmodels: [30M, 100M]\ntokens: [1B]\nschemes: [bf16]\n"));
  ASSERT_EQ(paper.size(), 2u);
  EXPECT_DOUBLE_EQ(paper[0].optim.lr, 1.2e-3);
  EXPECT_DOUBLE_EQ(paper[1].optim.lr, 6e-4);
  const auto rule = expand(sweep_from(R"(name: p
models: [30M, 100M]
tokens: [1B]
schemes: [bf16]
train: {lr: {rule: power_law, base_lr: 1.2e-3, base_params: 30482560, exponent: -0.5}}
)"));
  EXPECT_DOUBLE_EQ(rule[0].optim.lr, 1.2e-3);
  EXPECT_DOUBLE_EQ(rule[1].optim.lr, 1.2e-3 * std::pow(102'777'856.0 / 30'482'560.0, -0.5));
  const auto table = expand(sweep_from(R"(name: p
models: [tiny-xs, tiny-s]
tokens: [1M]
schemes: [bf16]
train: {lr: {tiny-s: 5e-3, tiny-xs: 4e-3}}
)"));
  EXPECT_DOUBLE_EQ(table[0].optim.lr, 4e-3);
  EXPECT_DOUBLE_EQ(table[1].optim.lr, 5e-3);
}

TEST(Expand, NoAccumulationIsSpelledAsTheFullBatch) {
  const auto runs =
      expand(sweep_from("name: p\nmodels: [tiny-xs]\ntokens: [1M]\nschemes: [bf16]\n"
                        "train: {batch_seqs: 32}\n"));
  EXPECT_EQ(runs[0].optim.micro_batch_seqs, 32);
}

}  // namespace
}  // namespace lps::plan
