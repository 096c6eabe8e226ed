#include <lps/core/progress.h>

#include <gtest/gtest.h>

namespace lps {
namespace {

TEST(Progress, LineShowsCountsPercentRateAndEta) {
  Progress p("train", 200, {.interval_s = 1e9, .unit = "steps"});
  const std::string line = p.line(50, "loss 3.21");
  EXPECT_NE(line.find("train: 50/200 steps (25.0%)"), std::string::npos) << line;
  EXPECT_NE(line.find("steps/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA"), std::string::npos) << line;
  EXPECT_NE(line.find("| loss 3.21"), std::string::npos) << line;
}

TEST(Progress, ThrottlesButAlwaysPrintsTheEnd) {
  Progress p("x", 10, {.interval_s = 1e9, .unit = "items"});
  EXPECT_TRUE(p.update(1));   // first call prints
  EXPECT_FALSE(p.update(2));  // inside the interval
  EXPECT_TRUE(p.update(10));  // completion always prints
  EXPECT_NE(p.line(10).find(" in "), std::string::npos);
}

}  // namespace
}  // namespace lps
