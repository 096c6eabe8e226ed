// The "did you mean" helper and token-count parsing used by every sweep diagnostic.
#include <gtest/gtest.h>

#include <array>

#include "edit_distance.h"
#include "yaml_reader.h"

namespace lps::config::detail {
namespace {

constexpr std::array<std::string_view, 4> kWords{"models", "schemes", "seeds", "tokens_per_param"};

TEST(DidYouMean, EditDistanceCountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("", ""), 0);
  EXPECT_EQ(edit_distance("abc", ""), 3);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3);
  EXPECT_EQ(edit_distance("modles", "models"), 2);
}

TEST(DidYouMean, SuggestsTheClosestWordOnlyWhenItIsAPlausibleTypo) {
  EXPECT_EQ(closest_match("modles", kWords), "models");
  EXPECT_EQ(closest_match("SEEDS", kWords), "seeds");
  EXPECT_EQ(closest_match("tokens_per_parm", kWords), "tokens_per_param");
  EXPECT_EQ(closest_match("learning_rate", kWords), "");
  EXPECT_EQ(did_you_mean("shemes", kWords), " (did you mean 'schemes'?)");
  EXPECT_EQ(did_you_mean("zzz", kWords), "");
}

TEST(TokenCounts, SuffixesScaleExactlyAndFractionsOfATokenAreRefused) {
  EXPECT_EQ(parse_count("20M"), 20'000'000);
  EXPECT_EQ(parse_count("1.5B"), 1'500'000'000);
  EXPECT_EQ(parse_count("2.1M"), 2'100'000);
  EXPECT_EQ(parse_count("950K"), 950'000);
  EXPECT_EQ(parse_count("3T"), 3'000'000'000'000);
  EXPECT_EQ(parse_count("123456789012345678"), 123'456'789'012'345'678);
  EXPECT_EQ(parse_count("2e6"), 2'000'000);
  EXPECT_EQ(parse_count("1.50M"), 1'500'000);
  EXPECT_EQ(parse_count("5.0"), 5);
  EXPECT_EQ(parse_count("2.5"), std::nullopt);
  EXPECT_EQ(parse_count("1.0000005M"), std::nullopt);
  EXPECT_EQ(parse_count("-5M"), std::nullopt);
  EXPECT_EQ(parse_count("20X"), std::nullopt);
  EXPECT_EQ(parse_count("M"), std::nullopt);
  EXPECT_EQ(parse_count(""), std::nullopt);
  EXPECT_EQ(parse_count("99999999999T"), std::nullopt);
}

}  // namespace
}  // namespace lps::config::detail
