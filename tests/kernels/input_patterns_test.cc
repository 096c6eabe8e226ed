// The adversarial inputs are what they claim to be (the GPU tests rely on it).
#include "input_patterns.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace lps::test {
namespace {

constexpr int64_t kRows = 16;
constexpr int64_t kCols = 256;

TEST(InputPatterns, AreDeterministicInTheSeed) {
  for (Pattern p : all_patterns()) {
    const auto a = make_input(p, kRows, kCols, 7);
    const auto b = make_input(p, kRows, kCols, 7);
    ASSERT_EQ(a.size(), static_cast<size_t>(kRows * kCols));
    // NaN != NaN, so compare bit patterns.
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), [](float x, float y) {
      return std::memcmp(&x, &y, sizeof(float)) == 0;
    })) << pattern_name(p);
  }
}

TEST(InputPatterns, NonFiniteHoldsInfinitiesAndNaNs) {
  const auto x = make_input(Pattern::kNonFinite, kRows, kCols, 1);
  EXPECT_TRUE(std::any_of(x.begin(), x.end(), [](float v) { return std::isnan(v); }));
  EXPECT_TRUE(std::any_of(x.begin(), x.end(), [](float v) { return std::isinf(v) && v > 0; }));
  EXPECT_TRUE(std::any_of(x.begin(), x.end(), [](float v) { return std::isinf(v) && v < 0; }));
}

TEST(InputPatterns, SubnormalsHoldFp32Subnormals) {
  const auto x = make_input(Pattern::kSubnormals, kRows, kCols, 1);
  const auto subnormal = [](float v) { return std::fpclassify(v) == FP_SUBNORMAL; };
  EXPECT_GT(std::count_if(x.begin(), x.end(), subnormal), kRows * kCols / 4);
}

TEST(InputPatterns, ZerosIncludeNegativeZeros) {
  const auto x = make_input(Pattern::kZeros, kRows, kCols, 1);
  EXPECT_TRUE(std::all_of(x.begin(), x.end(), [](float v) { return v == 0.0f; }));
  EXPECT_TRUE(std::any_of(x.begin(), x.end(), [](float v) { return std::signbit(v); }));
}

TEST(InputPatterns, TiesAreQuarterMultiplesOfPowersOfTwo) {
  const auto x = make_input(Pattern::kTies, kRows, kCols, 1);
  for (float v : x) {
    int e = 0;
    const float m = std::frexp(std::fabs(v), &e);  // v = m · 2^e, m in [0.5, 1)
    EXPECT_EQ(std::ldexp(m, 5), std::round(std::ldexp(m, 5))) << v;  // at most 5 significant bits
  }
  // Values that sit exactly halfway between E2M1 grid points (0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5).
  EXPECT_TRUE(std::any_of(x.begin(), x.end(), [](float v) { return std::fabs(v) == 0.75f || std::fabs(v) == 2.5f; }));
}

TEST(InputPatterns, EqualGroupsRepeatEachValueSixteenTimes) {
  const auto x = make_input(Pattern::kEqualGroups, kRows, kCols, 1);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i], x[i - i % 16]);
}

TEST(InputPatterns, WideSpanBlocksSpanMoreThanFourteenBinades) {
  const auto x = make_input(Pattern::kWideSpan, kRows, kCols, 1);
  // Group 0 (scale 1) and group 1 (scale 2^-20) of the first 1×128 block.
  float big = 0.0f, small = 0.0f;
  for (int i = 0; i < 32; ++i) big = std::max(big, std::fabs(x[static_cast<size_t>(i)]));
  for (int i = 32; i < 64; ++i) small = std::max(small, std::fabs(x[static_cast<size_t>(i)]));
  EXPECT_GT(std::log2(big / small), 14.0);
}

TEST(InputPatterns, HugeValuesAreNearFloatMax) {
  const auto x = make_input(Pattern::kHuge, kRows, kCols, 1);
  const float amax = std::fabs(*std::max_element(x.begin(), x.end(), [](float a, float b) { return std::fabs(a) < std::fabs(b); }));
  EXPECT_GT(amax, 1e38f);
}

}  // namespace
}  // namespace lps::test
