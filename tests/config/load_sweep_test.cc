// Good sweep files load into the SweepSpec they describe.
#include <gtest/gtest.h>
#include <lps/config/load_sweep.h>
#include <lps/config/model_presets.h>

#include "sweep_test_support.h"

namespace lps::config {
namespace {

using test::config_test_dir;
using test::problems_of;

const std::string kMinimal = R"(name: mini
models: [tiny-xs, tiny-s]
tokens: [1M, 2M]
schemes: [bf16, quartet]
)";

SweepSpec load(const std::string& yaml) {
  return load_sweep_string(yaml, (config_test_dir() / "inline.yaml").string());
}

TEST(LoadSweep, AMinimalSweepLoadsWithDocumentedDefaults) {
  const SweepSpec s = load(kMinimal);
  EXPECT_EQ(s.name, "mini");
  EXPECT_EQ(s.dir, config_test_dir().string());
  EXPECT_EQ(s.store, (config_test_dir() / "inline.db").string());
  EXPECT_EQ(s.output, (config_test_dir() / "inline-out").string());
  EXPECT_EQ(s.data.kind, "synthetic");
  EXPECT_EQ(s.data.vocab_size, 4096);
  EXPECT_EQ(s.data.root, config_test_dir().string());
  ASSERT_EQ(s.models.size(), 2u);
  EXPECT_EQ(s.models[0].name, "tiny-xs");
  EXPECT_EQ(s.models[0].d_model, 32);
  EXPECT_EQ(s.models[0].d_ff, 256);
  EXPECT_EQ(s.models[0].seq_len, 64);
  EXPECT_EQ(s.tokens.counts, (std::vector<int64_t>{1'000'000, 2'000'000}));
  EXPECT_TRUE(s.tokens.per_param.empty());
  ASSERT_EQ(s.schemes.size(), 2u);
  EXPECT_EQ(s.schemes[1].name, "quartet");
  EXPECT_EQ(s.schemes[1].preset, "quartet");
  EXPECT_EQ(s.seeds, (std::vector<uint64_t>{0}));
  EXPECT_EQ(s.train.lr.rule, LrRule::kPaper);
  EXPECT_EQ(s.train.batch_seqs, 64);
  EXPECT_EQ(s.log_every_steps, 10);
  EXPECT_EQ(s.max_runs, 10000);
  EXPECT_FALSE(s.fit.present);
}

TEST(LoadSweep, TokenCountsAcceptSuffixesAndDecimals) {
  const SweepSpec s = load(R"(name: t
models: [tiny-xs]
tokens: [950K, 1.5M, 2B, 1.25B, 3000000, 2e6]
tokens_per_param: [25, 12.5]
schemes: [bf16]
)");
  EXPECT_EQ(s.tokens.counts,
            (std::vector<int64_t>{950'000, 1'500'000, 2'000'000'000, 1'250'000'000, 3'000'000, 2'000'000}));
  EXPECT_EQ(s.tokens.per_param, (std::vector<double>{25, 12.5}));
}

TEST(LoadSweep, ALoneScalarCountsAsAOneElementList) {
  const SweepSpec s = load("name: t\nmodels: [tiny-xs]\ntokens: 1M\nschemes: [bf16]\nseeds: 7\n");
  EXPECT_EQ(s.tokens.counts, (std::vector<int64_t>{1'000'000}));
  EXPECT_EQ(s.seeds, (std::vector<uint64_t>{7}));
}

TEST(LoadSweep, ExplicitShapesGetTheSwigluWidthAndSequenceLengthPrecedence) {
  const SweepSpec s = load(R"(name: shapes
models:
  - {name: mine, n_layers: 2, d_model: 100, n_heads: 2, head_dim: 50}
  - {name: wide-ff, n_layers: 2, d_model: 64, n_heads: 2, head_dim: 32, d_ff: 1000, seq_len: 32}
  - {preset: tiny-s, seq_len: 256}
  - tiny-m
tokens: [4M]
schemes: [bf16]
train: {lr: 1e-3, seq_len: 96}
)");
  ASSERT_EQ(s.models.size(), 4u);
  EXPECT_EQ(s.models[0].d_ff, default_d_ff(100));
  EXPECT_EQ(s.models[0].d_ff, 512);    // ⌊800/3⌋ = 266 -> 512
  EXPECT_EQ(s.models[0].seq_len, 96);  // train.seq_len
  EXPECT_EQ(s.models[1].d_ff, 1000);
  EXPECT_EQ(s.models[1].seq_len, 32);  // the entry's own
  EXPECT_EQ(s.models[2].name, "tiny-s");
  EXPECT_EQ(s.models[2].seq_len, 256);
  EXPECT_EQ(s.models[3].seq_len, 96);  // train.seq_len overrides the preset's 128
  EXPECT_EQ(s.train.lr.rule, LrRule::kConstant);
  EXPECT_DOUBLE_EQ(s.train.lr.value, 1e-3);
}

TEST(LoadSweep, SpelledOutSchemesFillTheirOperandsWithGroupsAndOverrides) {
  const SweepSpec s = load(R"(name: schemes
models: [tiny-xs]
tokens: [1M]
schemes:
  - bf16
  - name: mx-bwd
    bwd: {format: mxfp4, rounding: sr, scale: absmax_3_4, hadamard: 32, random_signs: true}
    bwd_xt: {rounding: rtn}
  - name: alias
    preset: quest_fwd
)");
  ASSERT_EQ(s.schemes.size(), 3u);
  const SchemeEntry& mx = s.schemes[1];
  EXPECT_EQ(mx.preset, "");
  EXPECT_EQ(mx.fwd_x, OperandEntry{});
  EXPECT_EQ(mx.fwd_w, OperandEntry{});
  EXPECT_EQ(mx.bwd_dy.format, "mxfp4");
  EXPECT_EQ(mx.bwd_dy.rounding, "sr");
  EXPECT_EQ(mx.bwd_dy.scale, "absmax_3_4");
  EXPECT_EQ(mx.bwd_dy.hadamard, 32);
  EXPECT_TRUE(mx.bwd_dy.random_signs);
  EXPECT_EQ(mx.bwd_xt.rounding, "rtn");
  EXPECT_EQ(mx.bwd_xt.scale, "absmax_3_4");
  EXPECT_EQ(s.schemes[2].name, "alias");
  EXPECT_EQ(s.schemes[2].preset, "quest_fwd");
}

TEST(LoadSweep, LearningRatesComeAsATablePerModelOrAPowerLaw) {
  const SweepSpec table = load(R"(name: lr
models: [tiny-xs, tiny-s]
tokens: [1M]
schemes: [bf16]
train:
  lr: {tiny-xs: 4e-3, tiny-s: 2e-3}
)");
  EXPECT_EQ(table.train.lr.rule, LrRule::kTable);
  EXPECT_DOUBLE_EQ(table.train.lr.table.at("tiny-s"), 2e-3);
  const SweepSpec rule = load(R"(name: lr
models: [tiny-xs]
tokens: [1M]
schemes: [bf16]
train:
  lr: {rule: power_law, base_lr: 1.2e-3, base_params: 30M, exponent: -0.5}
)");
  EXPECT_EQ(rule.train.lr.rule, LrRule::kPowerLaw);
  EXPECT_DOUBLE_EQ(rule.train.lr.base_params, 30e6);
  EXPECT_DOUBLE_EQ(rule.train.lr.exponent, -0.5);
}

TEST(LoadSweep, TextDataResolvesPathsAgainstTheSweepFolder) {
  const SweepSpec s = load(R"(name: text
data: {kind: text, paths: [data/tiny.txt, "data/*.txt"]}
models: [tiny-xs]
tokens: [1M]
schemes: [bf16]
)");
  ASSERT_EQ(s.data.paths.size(), 2u);
  EXPECT_EQ(s.data.paths[0], (config_test_dir() / "data/tiny.txt").string());
  EXPECT_EQ(s.data.paths[1], (config_test_dir() / "data/*.txt").string());
  EXPECT_EQ(s.data.vocab_size, 256);
  EXPECT_EQ(s.data.tokenizer, "bytes");
}

TEST(LoadSweep, FitSectionIsKeptAsPlainData) {
  const SweepSpec s = load(R"(name: fit
models: [tiny-xs]
tokens: [1M]
schemes: [bf16, quartet]
fit:
  form: chinchilla
  start_grid: {a: [0, 5], alpha: [0.5], b: [0, 5], beta: 0.5}
  fixed: {e: 0.3}
  bootstrap: 50
)");
  EXPECT_TRUE(s.fit.present);
  EXPECT_EQ(s.fit.form, "chinchilla");
  EXPECT_EQ(s.fit.baseline, "bf16");
  EXPECT_DOUBLE_EQ(s.fit.huber_delta, 1e-3);
  EXPECT_EQ(s.fit.start_grid, "custom");
  EXPECT_EQ(s.fit.start_values.at("a"), (std::vector<double>{0, 5}));
  EXPECT_EQ(s.fit.start_values.at("beta"), (std::vector<double>{0.5}));
  EXPECT_DOUBLE_EQ(s.fit.fixed.at("e"), 0.3);
  EXPECT_EQ(s.fit.bootstrap, 50);
}

TEST(LoadSweep, AbsoluteOutputPathsAreTakenAsGiven) {
  const SweepSpec s = load(
      "name: abs\nstore: /tmp/lps/abs.db\noutput: /tmp/lps/out\nmodels: [tiny-xs]\n"
      "tokens: [1M]\nschemes: [bf16]\n");
  EXPECT_EQ(s.store, "/tmp/lps/abs.db");
  EXPECT_EQ(s.output, "/tmp/lps/out");
}

TEST(LoadSweep, RelativeOutputPathsMayUseDotDotWhileTheyStayInside) {
  const SweepSpec s =
      load("name: in\nstore: runs/../runs/a.db\nmodels: [tiny-xs]\ntokens: [1M]\nschemes: [bf16]\n");
  EXPECT_EQ(s.store, (config_test_dir() / "runs/a.db").string());
}

TEST(LoadSweep, APostgresqlStoreUrlIsKeptVerbatimAndSqlitePrefixesResolveAsPaths) {
  const std::string url = "postgresql://lps@db.example:5432/sweeps?sslmode=require";
  EXPECT_EQ(load("name: pg\nstore: " + url + "\nmodels: [tiny-xs]\ntokens: [1M]\nschemes: [bf16]\n").store, url);
  EXPECT_EQ(load("name: pg\nstore: postgres://h/db\nmodels: [tiny-xs]\ntokens: [1M]\nschemes: [bf16]\n").store,
            "postgres://h/db");
  EXPECT_EQ(load("name: f\nstore: sqlite:runs/a.db\nmodels: [tiny-xs]\ntokens: [1M]\nschemes: [bf16]\n").store,
            (config_test_dir() / "runs/a.db").string());
  EXPECT_EQ(load("name: f\nstore: sqlite:/tmp/lps/x.db\nmodels: [tiny-xs]\ntokens: [1M]\nschemes: [bf16]\n").store,
            "/tmp/lps/x.db");
}

TEST(LoadSweep, SqlLookingNamesSurviveVerbatim) {
  const SweepSpec s = load(R"(name: "x'); DROP TABLE runs;--"
models:
  - {name: "m'; DELETE FROM sweeps; --", preset: tiny-xs, n_layers: 2}
tokens: [1M]
schemes:
  - bf16
  - {name: "Robert'); DROP TABLE students;--", fwd: {format: fp8_e4m3}}
train: {lr: 1e-3}
)");
  EXPECT_EQ(s.name, "x'); DROP TABLE runs;--");
  EXPECT_EQ(s.models[0].name, "m'; DELETE FROM sweeps; --");
  EXPECT_EQ(s.schemes[1].name, "Robert'); DROP TABLE students;--");
}

TEST(LoadSweep, TheShippedSweepsLoad) {
  const std::filesystem::path sweeps = std::filesystem::path(LPS_SOURCE_DIR) / "sweeps";
  for (const char* name : {"quickstart.yaml", "example-full.yaml", "gpu-h100.yaml"}) {
    SCOPED_TRACE(name);
    LoadOptions options;
    options.check_data_paths = std::string(name) != "gpu-h100.yaml";  // its corpus lives on the GPU machine
    EXPECT_NO_THROW((void)load_sweep_file((sweeps / name).string(), options));
  }
}

TEST(LoadSweep, TheQuickstartSweepIsTheDocumentedGrid) {
  const SweepSpec s =
      load_sweep_file((std::filesystem::path(LPS_SOURCE_DIR) / "sweeps/quickstart.yaml").string());
  EXPECT_EQ(s.models.size(), 3u);
  EXPECT_EQ(s.tokens.counts.size(), 3u);
  EXPECT_EQ(s.schemes.size(), 3u);
  EXPECT_EQ(s.seeds.size(), 1u);
  EXPECT_EQ(s.data.kind, "synthetic");
  EXPECT_TRUE(s.fit.present);
  EXPECT_EQ(s.fit.form, "quartet");
  EXPECT_EQ(s.fit.baseline, "bf16");
}

TEST(LoadSweep, AMissingFileIsAnIoErrorNamingIt) {
  try {
    (void)load_sweep_file("/nonexistent/sweep.yaml");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/sweep.yaml"), std::string::npos) << e.what();
  }
}

TEST(LoadSweep, DiagnosticsNameTheFileAsGiven) {
  try {
    (void)load_sweep_string("name: [x]\nmodels: [tiny-xs]\ntokens: [1M]\nschemes: [bf16]\n",
                            "sweeps/mine.yaml");
    FAIL() << "expected UserInputError";
  } catch (const UserInputError& e) {
    EXPECT_STREQ(e.what(), "sweeps/mine.yaml:1:7: name: expected a string, got a list");
  }
}

}  // namespace
}  // namespace lps::config
