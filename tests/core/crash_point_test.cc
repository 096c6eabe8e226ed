#include <lps/core/crash_point.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>

namespace lps {
namespace {

// Each death test re-executes this binary ("threadsafe" style), so the child reads LPS_CRASH_AT afresh.
class CrashPoint : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
  void TearDown() override { ::unsetenv("LPS_CRASH_AT"); }
};

TEST_F(CrashPoint, UnarmedPointReturns) {
  ::unsetenv("LPS_CRASH_AT");
  EXPECT_EXIT(
      {
        crash_point("store.claim");
        std::exit(crash_points_armed() ? 3 : 0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(CrashPoint, ArmedPointKillsOnFirstHitWithSigkill) {
  ::setenv("LPS_CRASH_AT", "store.claim", 1);
  EXPECT_EXIT(
      {
        crash_point("store.finish");  // another name: ignored
        crash_point("store.claim");
        std::exit(0);
      },
      ::testing::KilledBySignal(SIGKILL), "crash point hit");
}

TEST_F(CrashPoint, HitCountSelectsTheNthHit) {
  ::setenv("LPS_CRASH_AT", "ckpt.renamed:3", 1);
  // Two hits survive, the third kills.
  EXPECT_EXIT(
      {
        crash_point("ckpt.renamed");
        crash_point("ckpt.renamed");
        std::exit(7);
      },
      ::testing::ExitedWithCode(7), "");
  EXPECT_EXIT(
      {
        for (int i = 0; i < 3; ++i) crash_point("ckpt.renamed");
        std::exit(0);
      },
      ::testing::KilledBySignal(SIGKILL), "");
}

TEST_F(CrashPoint, MalformedCountArmsNothing) {
  ::setenv("LPS_CRASH_AT", "ckpt.renamed:zero", 1);
  EXPECT_EXIT(
      {
        crash_point("ckpt.renamed");
        std::exit(crash_points_armed() ? 3 : 0);
      },
      ::testing::ExitedWithCode(0), "positive integer");
}

}  // namespace
}  // namespace lps
