// RunSpec JSON: an exact round trip, strings verbatim (SQL-looking ones included), clear errors.
#include <gtest/gtest.h>
#include <lps/core/error.h>
#include <lps/plan/expand.h>
#include <lps/plan/run_key.h>
#include <lps/plan/run_spec_json.h>

#include "plan_test_support.h"

namespace lps::plan {
namespace {

RunSpec awkward_spec() {
  RunSpec s;
  s.sweep = "x'); DROP TABLE runs;--";
  s.model = ModelShape{"m\"\\\n\t ü", 3, 96, 3, 32, 256, 4096, 128};
  s.n_params = 332'448;
  s.tokens = 9'000'000'000'000'000'000;
  s.scheme.name = "Robert'); DROP TABLE students;--";
  s.scheme.fwd_x = OperandSpec{"nvfp4", "rtn", "four_over_six", 128, true, true};
  s.scheme.bwd_xt = OperandSpec{"mxfp4", "sr", "ms_eden", 16, false, false};
  s.seed = 18'446'744'073'709'551'615ull;  // the largest uint64
  s.optim = OptimSpec{0.1 + 0.2, 1.0 / 3.0, 5e-324, 1e308, 0.1, 0.9, 0.95, 1.0, 512, 64};
  s.eval = EvalSpec{17, 3};
  s.checkpoint = CheckpointSpec{11, 7};
  s.data.kind = "shards";
  s.data.paths = {"/a b/c*.bin", "/d/e.bin"};
  s.data.tokenizer = "bytes";
  s.data.vocab_size = 50257;
  s.data.seed = 18'446'744'073'709'551'614ull;
  s.data.heldout_fraction = 0.0123456789012345678;
  s.data.synthetic_order = 0;
  s.data.root = "/a b";
  s.retry = RetrySpec{4, 0.125};
  s.log_every_steps = 3;
  return s;
}

TEST(RunSpecJson, RoundTripsExactly) {
  const RunSpec s = awkward_spec();
  const RunSpec back = run_spec_from_json(to_json(s));
  EXPECT_EQ(back, s);
  EXPECT_EQ(to_json(back), to_json(s));
  EXPECT_EQ(run_key(back), run_key(s));
}

TEST(RunSpecJson, EveryExpandedRunRoundTrips) {
  const auto runs =
      expand(config::load_sweep_file(std::string(LPS_SOURCE_DIR) + "/sweeps/example-full.yaml"));
  ASSERT_FALSE(runs.empty());
  for (const RunSpec& r : runs) EXPECT_EQ(run_spec_from_json(to_json(r)), r) << run_label(r);
}

TEST(RunSpecJson, SqlLookingNamesSurviveParseExpandAndJsonVerbatim) {
  const auto runs = expand(test::sweep_from(R"(name: "x'); DROP TABLE runs;--"
models: [tiny-xs]
tokens: [1M]
schemes: [{name: "a'; DELETE FROM runs WHERE '1'='1", fwd: {format: fp8_e4m3}}]
)"));
  ASSERT_EQ(runs.size(), 1u);
  const RunSpec back = run_spec_from_json(to_json(runs[0]));
  EXPECT_EQ(back.sweep, "x'); DROP TABLE runs;--");
  EXPECT_EQ(back.scheme.name, "a'; DELETE FROM runs WHERE '1'='1");
}

TEST(RunSpecJson, MissingFieldsKeepTheirDefaults) {
  const RunSpec s = run_spec_from_json(R"({"sweep":"old","tokens":5,"optim":{"lr":0.5}})");
  RunSpec expected;
  expected.sweep = "old";
  expected.tokens = 5;
  expected.optim.lr = 0.5;
  EXPECT_EQ(s, expected);
}

TEST(RunSpecJson, WrongTypesAndBrokenTextNameTheProblem) {
  auto message = [](std::string_view json) {
    try {
      (void)run_spec_from_json(json);
    } catch (const IoError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(R"({"model":{"d_model":"wide"}})"),
            "run spec JSON: field 'model.d_model' has the wrong type (string)");
  EXPECT_EQ(message(R"({"seed":-1})"), "run spec JSON: field 'seed' has the wrong type (number)");
  EXPECT_EQ(message(R"({"optim":[]})"), "run spec JSON: field 'optim' must be an object, got array");
  EXPECT_EQ(message("[1]"), "run spec JSON: expected an object, got array");
  EXPECT_EQ(message("{").rfind("run spec JSON: not valid JSON: ", 0), 0u);
}

}  // namespace
}  // namespace lps::plan
