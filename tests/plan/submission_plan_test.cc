// Idempotent submission, planning side: same sweep -> nothing new; edited sweep -> only its new runs.
#include <gtest/gtest.h>
#include <lps/plan/run_key.h>
#include <lps/plan/submission_plan.h>

#include "plan_test_support.h"

namespace lps::plan {
namespace {

const std::string kHead =
    "name: submit\nmodels: [tiny-xs, tiny-s]\nschemes: [bf16, quartet]\ntrain: {batch_seqs: 8}\n";

std::set<std::string> keys_of(const std::vector<PlannedRun>& runs) {
  std::set<std::string> keys;
  for (const PlannedRun& r : runs) keys.insert(r.key);
  return keys;
}

TEST(SubmissionPlan, PlannedRunsCarryTheirKeyAndLabel) {
  const auto planned = plan_sweep(test::sweep_from(kHead + "tokens: [100K]\n"));
  ASSERT_EQ(planned.size(), 4u);
  for (const PlannedRun& r : planned) {
    EXPECT_EQ(r.key, run_key(r.spec));
    EXPECT_EQ(r.label, run_label(r.spec));
  }
  EXPECT_EQ(planned[0].label, "tiny-xs_D100K_bf16_s0");
}

TEST(SubmissionPlan, SubmittingTheSameSweepAgainAddsNothing) {
  const auto first = plan_sweep(test::sweep_from(kHead + "tokens: [100K, 200K]\n"));
  const SubmissionDiff initial = diff_with_store(first, {});
  EXPECT_EQ(initial.added.size(), 8u);
  const auto again = plan_sweep(test::sweep_from(kHead + "tokens: [100K, 200K]\n"));
  const SubmissionDiff diff = diff_with_store(again, keys_of(first));
  EXPECT_TRUE(diff.added.empty());
  EXPECT_EQ(diff.existing.size(), 8u);
  EXPECT_TRUE(diff.dropped.empty());
}

TEST(SubmissionPlan, AnEditedSweepAddsOnlyItsNewRunsAndKeepsDroppedOnes) {
  const auto before = plan_sweep(test::sweep_from(kHead + "tokens: [100K, 200K]\n"));
  const auto after = plan_sweep(test::sweep_from(kHead + "tokens: [200K, 400K]\n"));
  const SubmissionDiff diff = diff_with_store(after, keys_of(before));
  ASSERT_EQ(diff.added.size(), 4u);
  for (const PlannedRun& r : diff.added) EXPECT_NE(r.label.find("_D400K_"), std::string::npos) << r.label;
  EXPECT_EQ(diff.existing.size(), 4u);
  EXPECT_EQ(diff.dropped.size(), 4u);  // the 100K runs: no longer planned, left as they are
}

}  // namespace
}  // namespace lps::plan
