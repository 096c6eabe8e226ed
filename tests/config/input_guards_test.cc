// Hostile or broken input — huge, deeply nested, alias bombs, not YAML — is refused with a located
// message and never crashes.
#include <gtest/gtest.h>
#include <lps/config/load_sweep.h>

#include "sweep_test_support.h"

namespace lps::config {
namespace {

using test::problems_of_string;

TEST(InputGuards, AFileLargerThanTheLimitIsRefusedBeforeParsing) {
  LoadOptions options;
  options.max_bytes = 1000;
  const std::string yaml = "name: big\n# " + std::string(2000, 'x') + "\n";
  EXPECT_EQ(problems_of_string(yaml, "big.yaml", options),
            std::vector<std::string>{"2:991: is 2,013 bytes; sweep files are limited to 1,000 bytes"});
}

TEST(InputGuards, DeepFlowNestingIsRefusedWithoutCrashing) {
  const std::string yaml = "name: " + std::string(100'000, '[') + std::string(100'000, ']') + "\n";
  const std::vector<std::string> problems = problems_of_string(yaml, "deep.yaml");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("nested deeper than 32 levels"), std::string::npos) << problems[0];
}

TEST(InputGuards, NestingDeeperThanTheLimitIsRefusedAtItsPlace) {
  std::string yaml = "name: n\nmodels: ";
  for (int i = 0; i < 40; ++i) yaml += "[";
  for (int i = 0; i < 40; ++i) yaml += "]";
  yaml += "\n";
  EXPECT_EQ(problems_of_string(yaml, "deep.yaml"),
            std::vector<std::string>{"2:40: nested deeper than 32 levels; sweep files need a handful"});
}

TEST(InputGuards, AliasBombsAreRefusedInsteadOfExpanded) {
  std::string yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) yaml += (k ? ", *a" : "*a") + std::to_string(i - 1);
    yaml += "]\n";
  }
  const std::vector<std::string> problems = problems_of_string(yaml, "bomb.yaml");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("holds more than 200000 values"), std::string::npos) << problems[0];
}

TEST(InputGuards, AnEmptyFileSaysWhatASweepNeeds) {
  EXPECT_EQ(problems_of_string("", "empty.yaml"),
            std::vector<std::string>{
                "1:1: is empty; a sweep needs at least name, models, tokens and schemes (docs/sweep-spec.md)"});
  EXPECT_EQ(problems_of_string("# only a comment\n", "empty.yaml").size(), 1u);
}

TEST(InputGuards, SyntaxErrorsCarryTheirLineAndColumn) {
  const std::vector<std::string> problems =
      problems_of_string("name: x\nmodels: [tiny-xs\nschemes: [bf16]\n", "s.yaml");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rfind("3:", 0), 0u) << problems[0];
  EXPECT_NE(problems[0].find("YAML syntax error: "), std::string::npos) << problems[0];
}

TEST(InputGuards, BinaryGarbageIsAnErrorNotACrash) {
  std::string yaml;
  for (int i = 0; i < 4096; ++i) yaml += static_cast<char>((i * 131 + 7) % 256);
  EXPECT_FALSE(problems_of_string(yaml, "garbage.yaml").empty());
}

}  // namespace
}  // namespace lps::config

namespace lps::config {
namespace {

TEST(InputGuards, AHugeUnknownKeyIsShownShortened) {
  const std::string yaml =
      "name: k\nmodels: [tiny-xs]\ntokens: [1M]\nschemes: [bf16]\n" + std::string(1000, 'k') + ": 1\n";
  const std::vector<std::string> problems = test::problems_of_string(yaml, "k.yaml");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "5:1: " + std::string(61, 'k') +
                "...: unknown key (allowed here: name, store, output, data, "
                "models, tokens, tokens_per_param, schemes, seeds, train, eval, checkpoint, retry, "
                "log_every_steps, max_runs, fit)");
}

TEST(InputGuards, AnEmptySectionIsAProblemNotADefault) {
  EXPECT_EQ(test::problems_of("name: e\ndata:\nmodels: [tiny-xs]\ntokens: [1M]\nschemes: [bf16]\n"),
            std::vector<std::string>{"2:1: data: expected a mapping, got nothing"});
}

}  // namespace
}  // namespace lps::config
