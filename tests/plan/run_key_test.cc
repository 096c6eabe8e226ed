// RunKeys: stable, sensitive to everything that changes a run, blind to what does not; idempotent edits.
#include <gtest/gtest.h>
#include <lps/plan/expand.h>
#include <lps/plan/run_key.h>

#include <functional>
#include <set>

#include "plan_test_support.h"

namespace lps::plan {
namespace {

using test::sweep_from;

// A fixed spec written out field by field, so the golden key below does not depend on any default.
RunSpec fixed_spec() {
  RunSpec s;
  s.sweep = "golden";
  s.model = ModelShape{"tiny-s", 2, 64, 2, 32, 256, 256, 64};
  s.n_params = 131'392;
  s.tokens = 2'000'896;
  s.scheme.name = "mx";
  s.scheme.preset = "";
  s.scheme.bwd_dy = OperandSpec{"mxfp4", "sr", "absmax_3_4", 32, true, false};
  s.scheme.bwd_w = s.scheme.bwd_dy;
  s.seed = 1;
  s.optim = OptimSpec{3e-3, 0.1, 0.1, 0.01, 0.1, 0.9, 0.95, 1.0, 8, 8};
  s.eval = EvalSpec{0, 65536};
  s.checkpoint = CheckpointSpec{100, 2};
  s.data.kind = "text";
  s.data.paths = {"/project/sweeps/data/a.txt", "/elsewhere/b.txt"};
  s.data.tokenizer = "bytes";
  s.data.vocab_size = 256;
  s.data.seed = 4;
  s.data.heldout_fraction = 0.01;
  s.data.synthetic_order = 0;
  s.data.root = "/project/sweeps";
  s.retry = RetrySpec{3, 10};
  s.log_every_steps = 10;
  return s;
}

TEST(RunKey, IsSha256HexOfTheCanonicalForm) {
  const std::string key = run_key(fixed_spec());
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(RunKey, TheCanonicalFormIsFixedText) {
  const std::string form = canonical_form(fixed_spec());
  EXPECT_EQ(form.rfind("lps-run/1\nsweep=golden\nmodel.name=tiny-s\nmodel.n_layers=2\n", 0), 0u) << form;
  EXPECT_NE(form.find("\noptim.lr=0.003\n"), std::string::npos) << form;
  EXPECT_NE(form.find("\nscheme.bwd_dy=format:mxfp4,rounding:sr,scale:absmax_3_4,hadamard:32,random_signs:1,"
                      "trust_mask:0\n"),
            std::string::npos)
      << form;
  EXPECT_NE(form.find("\ndata.path=data/a.txt\ndata.path=/elsewhere/b.txt\n"), std::string::npos) << form;
  EXPECT_EQ(form.find("checkpoint"), std::string::npos);
  EXPECT_EQ(form.find("retry"), std::string::npos);
  EXPECT_EQ(form.find("log_every"), std::string::npos);
  EXPECT_EQ(form.find("/project"), std::string::npos);
}

TEST(RunKey, GoldenValueForOneFixedSpecNeverChanges) {
  // If this fails, every store's keys changed: bump the "lps-run/N" version on purpose, never by accident.
  EXPECT_EQ(run_key(fixed_spec()), "ef0b9db2a80e2eaaac6d66be23d2a9c20decaa0c090c441563fa83f548757358");
}

TEST(RunKey, TheSameSpecGivesTheSameKey) {
  EXPECT_EQ(run_key(fixed_spec()), run_key(fixed_spec()));
  const auto a = expand(config::load_sweep_file(std::string(LPS_SOURCE_DIR) + "/sweeps/quickstart.yaml"));
  const auto b = expand(config::load_sweep_file(std::string(LPS_SOURCE_DIR) + "/sweeps/quickstart.yaml"));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(run_key(a[i]), run_key(b[i]));
}

TEST(RunKey, EveryResultAffectingFieldChangesTheKey) {
  const std::vector<std::pair<std::string, std::function<void(RunSpec&)>>> edits{
      {"sweep", [](RunSpec& s) { s.sweep = "other"; }},
      {"model name", [](RunSpec& s) { s.model.preset = "other"; }},
      {"n_layers", [](RunSpec& s) { s.model.n_layers = 3; }},
      {"d_model", [](RunSpec& s) { s.model.d_model = 65; }},
      {"n_heads", [](RunSpec& s) { s.model.n_heads = 4; }},
      {"head_dim", [](RunSpec& s) { s.model.head_dim = 16; }},
      {"d_ff", [](RunSpec& s) { s.model.d_ff = 512; }},
      {"vocab", [](RunSpec& s) { s.model.vocab_size = 257; }},
      {"seq_len", [](RunSpec& s) { s.model.seq_len = 128; }},
      {"n_params", [](RunSpec& s) { s.n_params += 1; }},
      {"tokens", [](RunSpec& s) { s.tokens += 512; }},
      {"scheme name", [](RunSpec& s) { s.scheme.name = "mx2"; }},
      {"scheme preset", [](RunSpec& s) { s.scheme.preset = "quartet"; }},
      {"fwd_x format", [](RunSpec& s) { s.scheme.fwd_x.format = "fp8_e4m3"; }},
      {"fwd_w trust", [](RunSpec& s) { s.scheme.fwd_w.trust_mask = true; }},
      {"bwd_dy rounding", [](RunSpec& s) { s.scheme.bwd_dy.rounding = "rtn"; }},
      {"bwd_w scale", [](RunSpec& s) { s.scheme.bwd_w.scale = "absmax"; }},
      {"bwd_dyt hadamard", [](RunSpec& s) { s.scheme.bwd_dyt.hadamard = 16; }},
      {"bwd_xt signs", [](RunSpec& s) { s.scheme.bwd_xt.random_signs = true; }},
      {"seed", [](RunSpec& s) { s.seed = 2; }},
      {"lr", [](RunSpec& s) { s.optim.lr = 3.0000000000000001e-3 * 1.0000001; }},
      {"final_lr_ratio", [](RunSpec& s) { s.optim.final_lr_ratio = 0.2; }},
      {"warmup_fraction", [](RunSpec& s) { s.optim.warmup_fraction = 0.2; }},
      {"warmup_start_ratio", [](RunSpec& s) { s.optim.warmup_start_ratio = 0.02; }},
      {"weight_decay", [](RunSpec& s) { s.optim.weight_decay = 0; }},
      {"beta1", [](RunSpec& s) { s.optim.beta1 = 0.8; }},
      {"beta2", [](RunSpec& s) { s.optim.beta2 = 0.99; }},
      {"grad_clip", [](RunSpec& s) { s.optim.grad_clip = 0; }},
      {"batch_seqs", [](RunSpec& s) { s.optim.batch_seqs = 16; }},
      {"micro_batch_seqs", [](RunSpec& s) { s.optim.micro_batch_seqs = 4; }},
      {"eval every", [](RunSpec& s) { s.eval.every_steps = 10; }},
      {"eval tokens", [](RunSpec& s) { s.eval.tokens = 1024; }},
      {"data kind", [](RunSpec& s) { s.data.kind = "shards"; }},
      {"data path", [](RunSpec& s) { s.data.paths[0] = "/project/sweeps/data/c.txt"; }},
      {"data path count", [](RunSpec& s) { s.data.paths.pop_back(); }},
      {"tokenizer", [](RunSpec& s) { s.data.tokenizer = "/project/sweeps/sp.model"; }},
      {"data vocab", [](RunSpec& s) { s.data.vocab_size = 512; }},
      {"data seed", [](RunSpec& s) { s.data.seed = 5; }},
      {"heldout", [](RunSpec& s) { s.data.heldout_fraction = 0.02; }},
      {"synthetic order", [](RunSpec& s) { s.data.synthetic_order = 2; }},
  };
  const std::string base = run_key(fixed_spec());
  std::set<std::string> keys{base};
  for (const auto& [what, edit] : edits) {
    RunSpec s = fixed_spec();
    edit(s);
    const std::string key = run_key(s);
    EXPECT_NE(key, base) << what << " must change the key";
    keys.insert(key);
  }
  EXPECT_EQ(keys.size(), edits.size() + 1) << "no two edits collide";
}

TEST(RunKey, OperationalFieldsDoNotChangeTheKey) {
  const std::string base = run_key(fixed_spec());
  const std::vector<std::function<void(RunSpec&)>> edits{
      [](RunSpec& s) { s.log_every_steps = 1; },
      [](RunSpec& s) { s.checkpoint.every_steps = 5; },
      [](RunSpec& s) { s.checkpoint.keep = 9; },
      [](RunSpec& s) { s.retry.max_attempts = 1; },
      [](RunSpec& s) { s.retry.backoff_s = 99; },
      [](RunSpec& s) { s.optim.micro_batch_seqs = 0; },  // 0 means the full batch (8)
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    RunSpec s = fixed_spec();
    edits[i](s);
    EXPECT_EQ(run_key(s), base) << "edit " << i;
  }
}

TEST(RunKey, MovingTheProjectKeepsTheKeys) {
  RunSpec moved = fixed_spec();
  moved.data.root = "/new/home/sweeps";
  moved.data.paths[0] = "/new/home/sweeps/data/a.txt";
  EXPECT_EQ(run_key(moved), run_key(fixed_spec()));
}

TEST(RunKey, ChangingTheLogIntervalOfASweepKeepsEveryKey) {
  const std::string sweep =
      "name: k\nmodels: [tiny-xs, tiny-s]\ntokens: [100K, 200K]\nschemes: [bf16, quartet]\n"
      "train: {batch_seqs: 8}\n";
  const auto a = expand(sweep_from(sweep + "log_every_steps: 10\ncheckpoint: {every_steps: 10}\n"));
  const auto b = expand(sweep_from(sweep + "log_every_steps: 1\nretry: {max_attempts: 9}\n"));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(run_key(a[i]), run_key(b[i]));
}

TEST(RunKey, AnEditedSweepKeepsEveryOldKeyAndAddsOnlyItsNewRuns) {
  const std::string head =
      "name: edit\nmodels: [tiny-xs, tiny-s]\nschemes: [bf16, fp8, quartet]\n"
      "train: {batch_seqs: 8}\n";
  const auto before = expand(sweep_from(head + "tokens: [100K, 200K]\n"));
  const auto after = expand(sweep_from(head + "tokens: [100K, 200K, 800K]\n"));
  std::set<std::string> old_keys, new_keys;
  for (const RunSpec& r : before) old_keys.insert(run_key(r));
  for (const RunSpec& r : after) new_keys.insert(run_key(r));
  for (const std::string& k : old_keys) EXPECT_TRUE(new_keys.count(k)) << "old run lost: " << k;
  EXPECT_EQ(new_keys.size() - old_keys.size(), 2u * 3u);  // the new budget × models × schemes
  for (const RunSpec& r : after) {
    if (!old_keys.count(run_key(r))) {
      EXPECT_EQ(r.tokens, 800'256) << run_label(r);  // 800,000 / 512 = 1,562.5 -> 1,563 steps of 8 × 64
    }
  }
}

TEST(RunLabel, ReadsModelTokensSchemeAndSeed) {
  RunSpec s = fixed_spec();
  EXPECT_EQ(run_label(s), "tiny-s_D2.0M_mx_s1");
  s.tokens = 950'272;
  EXPECT_EQ(run_label(s), "tiny-s_D950K_mx_s1");
  s.tokens = 1'500'000'000;
  EXPECT_EQ(run_label(s), "tiny-s_D1.5B_mx_s1");
  s.tokens = 512;
  EXPECT_EQ(run_label(s), "tiny-s_D512_mx_s1");
}

}  // namespace
}  // namespace lps::plan
