#include <lps/core/clock.h>
#include <lps/core/error.h>
#include <lps/core/log.h>

#include <gtest/gtest.h>

namespace lps {
namespace {

TEST(Check, PassingConditionDoesNothing) { EXPECT_NO_THROW(LPS_CHECK(1 + 1 == 2)); }

TEST(Check, FailingConditionNamesFileLineConditionAndMessage) {
  try {
    const int n = -3;
    LPS_CHECK(n >= 0, "n was {}", n);
    FAIL() << "expected lps::Error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::kProgrammer);
    EXPECT_NE(what.find("check_test.cc:"), std::string::npos) << what;
    EXPECT_NE(what.find("n >= 0"), std::string::npos) << what;
    EXPECT_NE(what.find("n was -3"), std::string::npos) << what;
  }
}

TEST(LogLevel, ParsesKnownNamesAndRejectsOthers) {
  EXPECT_EQ(parse_log_level("debug"), LogLevel::kDebug);
  EXPECT_EQ(parse_log_level("warn"), LogLevel::kWarn);
  EXPECT_THROW((void)parse_log_level("loud"), Error);
}

TEST(Clock, FormatsUtcTimesAndDurations) {
  EXPECT_EQ(format_utc_iso8601(0.0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_utc_iso8601(1764088201.75), "2025-11-25T16:30:01Z");
  EXPECT_EQ(format_duration(12.34), "12.3s");
  EXPECT_EQ(format_duration(245), "4m05s");
  EXPECT_EQ(format_duration(3723), "1h02m03s");
  EXPECT_GT(unix_time_now(), 1.7e9);
}

}  // namespace
}  // namespace lps
