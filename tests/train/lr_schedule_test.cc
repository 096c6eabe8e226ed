#include <lps/train/lr_schedule.h>

#include <gtest/gtest.h>

namespace lps::train {
namespace {

TEST(LrSchedule, WarmsUpFromAHundredthThenDecaysToATenth) {
  LrSchedule s{.lr = 1e-3, .total_steps = 1000, .warmup_steps = 100, .warmup_start_ratio = 0.01, .final_ratio = 0.1};
  EXPECT_DOUBLE_EQ(s.at(0), 1e-5);
  EXPECT_NEAR(s.at(50), 1e-5 + 0.5 * (1e-3 - 1e-5), 1e-15);
  EXPECT_DOUBLE_EQ(s.at(100), 1e-3);
  EXPECT_NEAR(s.at(999), 1e-4, 1e-15);
  EXPECT_NEAR(s.at(100 + 899 / 2.0), 0.55e-3, 2e-6);  // cosine midpoint
  for (int64_t t = 101; t < 1000; ++t) EXPECT_LE(s.at(t), s.at(t - 1)) << t;
}

TEST(LrSchedule, NoWarmupStartsAtThePeak) {
  LrSchedule s{.lr = 2.0, .total_steps = 3, .warmup_steps = 0};
  EXPECT_DOUBLE_EQ(s.at(0), 2.0);
  EXPECT_DOUBLE_EQ(s.at(2), 0.2);
}

}  // namespace
}  // namespace lps::train
