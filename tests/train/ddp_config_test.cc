// Data parallel in sweep files and RunSpecs: train.ranks is validated with file:line:col like every key,
// reaches the RunSpec, and enters the RunKey only when it is not 1 (so existing stores keep their keys).
#include <gtest/gtest.h>
#include <lps/config/load_sweep.h>
#include <lps/core/diagnostic.h>
#include <lps/plan/expand.h>
#include <lps/plan/run_key.h>
#include <lps/plan/run_spec_json.h>

#include <string>
#include <vector>

namespace lps {
namespace {

const std::string kFile = "/tmp/ddp-inline.yaml";

std::vector<std::string> problems_of(const std::string& yaml) {
  try {
    (void)config::load_sweep_string(yaml, kFile);
  } catch (const UserInputError& e) {
    std::vector<std::string> out;
    for (const Diagnostic& d : e.problems()) {
      EXPECT_EQ(d.file, kFile);
      out.push_back(std::to_string(d.line) + ":" + std::to_string(d.col) + ": " + d.key_path + ": " + d.message);
    }
    return out;
  }
  return {};
}

std::string sweep_with_train(const std::string& train) {
  return "name: ddp\nmodels: [tiny-xs]\ntokens: [1M]\nschemes: [bf16]\ntrain:\n" + train;
}

TEST(DdpConfig, RanksMustBeAPositiveCountWithinRange) {
  EXPECT_EQ(problems_of(sweep_with_train("  ranks: 0\n")),
            std::vector<std::string>{"6:10: train.ranks: must be between 1 and 1024, got 0"});
  EXPECT_EQ(problems_of(sweep_with_train("  ranks: 2000\n")),
            std::vector<std::string>{"6:10: train.ranks: must be between 1 and 1024, got 2000"});
  const auto text = problems_of(sweep_with_train("  ranks: two\n"));
  ASSERT_EQ(text.size(), 1u);
  EXPECT_EQ(text[0].rfind("6:10: train.ranks: ", 0), 0u) << text[0];
}

TEST(DdpConfig, RanksMustSplitTheBatchEvenly) {
  EXPECT_EQ(problems_of(sweep_with_train("  batch_seqs: 8\n  ranks: 3\n")),
            std::vector<std::string>{"7:10: train.ranks: must divide train.batch_seqs (8): each rank takes "
                                     "batch_seqs/ranks sequences of every step, got 3"});
}

TEST(DdpConfig, MicroBatchesMustSplitEachRanksShare) {
  EXPECT_EQ(problems_of(sweep_with_train("  batch_seqs: 8\n  ranks: 4\n  micro_batch_seqs: 4\n")),
            std::vector<std::string>{"8:21: train.micro_batch_seqs: must divide the sequences of each rank, "
                                     "train.batch_seqs / train.ranks = 8 / 4 = 2, got 4"});
  EXPECT_TRUE(problems_of(sweep_with_train("  batch_seqs: 8\n  ranks: 2\n  micro_batch_seqs: 2\n")).empty());
}

TEST(DdpConfig, AMisspelledKeyIsReportedWithASuggestion) {
  const auto text = problems_of(sweep_with_train("  rank: 2\n"));
  ASSERT_EQ(text.size(), 1u);
  EXPECT_NE(text[0].find("ranks"), std::string::npos) << text[0];
}

std::vector<plan::RunSpec> plan_of(const std::string& yaml) {
  return plan::expand(config::load_sweep_string(yaml, kFile));
}

TEST(DdpConfig, RanksReachTheRunSpecAndItsJson) {
  const auto specs = plan_of(sweep_with_train("  batch_seqs: 8\n  ranks: 2\n"));
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].ranks, 2);
  const std::string json = plan::to_json(specs[0]);
  EXPECT_NE(json.find("\"ranks\":2"), std::string::npos) << json;
  EXPECT_EQ(plan::run_spec_from_json(json), specs[0]);
}

TEST(DdpConfig, OneRankLeavesTheKeyTheCanonicalFormAndTheJsonAsTheyWere) {
  const auto one = plan_of(sweep_with_train("  batch_seqs: 8\n"));
  const auto explicit_one = plan_of(sweep_with_train("  batch_seqs: 8\n  ranks: 1\n"));
  const auto two = plan_of(sweep_with_train("  batch_seqs: 8\n  ranks: 2\n"));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].ranks, 1);
  // Runs planned before train.ranks existed: no "ranks" anywhere, so their stored keys still match.
  EXPECT_EQ(plan::canonical_form(one[0]).find("ranks"), std::string::npos);
  EXPECT_EQ(plan::to_json(one[0]).find("ranks"), std::string::npos);
  EXPECT_EQ(plan::run_key(one[0]), plan::run_key(explicit_one[0]));
  // A spec stored without the field reads back as one rank.
  EXPECT_EQ(plan::run_spec_from_json(plan::to_json(one[0])).ranks, 1);
  // Two ranks are another run (sums in another order are not bit-equal).
  EXPECT_NE(plan::run_key(one[0]), plan::run_key(two[0]));
  const std::string form = plan::canonical_form(two[0]);
  EXPECT_EQ(form.substr(0, form.size() - std::string("ranks=2\n").size()), plan::canonical_form(one[0]));
}

}  // namespace
}  // namespace lps
