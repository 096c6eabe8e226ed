#include <lps/data/synthetic_source.h>

#include <lps/core/error.h>

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

namespace lps::data {
namespace {

SyntheticOptions small_options() {
  SyntheticOptions o;
  o.vocab_size = 64;
  o.order = 3;
  o.slots = 6;
  o.seed = 7;
  return o;
}

TEST(SyntheticSource, EntropyRateIsTheEntropyOfTheSlotProbabilities) {
  SyntheticSource source(small_options());
  double h = 0, sum = 0;
  for (double w : source.slot_probabilities()) {
    h -= w * std::log(w);
    sum += w;
  }
  EXPECT_NEAR(sum, 1.0, 1e-12);
  ASSERT_TRUE(source.entropy_rate().has_value());
  EXPECT_NEAR(*source.entropy_rate(), h, 1e-12);
  EXPECT_LT(*source.entropy_rate(), std::log(6.0) + 1e-12);
}

TEST(SyntheticSource, DefaultSourceHasTheDocumentedEntropyRate) {
  // 8 Zipf(1) slots: H = 1.815847936576493 nats (docs/training.md).
  SyntheticSource source(SyntheticOptions{});
  EXPECT_NEAR(*source.entropy_rate(), 1.815847936576493, 1e-12);
}

TEST(SyntheticSource, EmpiricalConditionalEntropyMatchesTheRate) {
  // Counting (order-gram → next) over a long stream estimates H(next | last `order` tokens), which is the
  // entropy rate by construction (plug-in estimates are biased low by ≈ (support-1)/(2n) per context).
  SyntheticOptions o = small_options();
  o.vocab_size = 16;
  o.order = 2;
  o.slots = 4;
  SyntheticSource source(o);
  const int64_t seq = 256, windows = 2000;
  std::vector<int32_t> tokens(static_cast<size_t>(windows * (seq + 1)));
  source.next_train(windows, seq, tokens);
  std::map<std::pair<int, int>, std::map<int, int64_t>> counts;
  for (int64_t w = 0; w < windows; ++w) {
    const int32_t* t = tokens.data() + w * (seq + 1);
    for (int64_t i = o.order; i <= seq; ++i) counts[{t[i - 2], t[i - 1]}][t[i]]++;
  }
  double total = 0, h = 0;
  for (const auto& [ctx, next] : counts) {
    double n = 0;
    for (const auto& [tok, c] : next) n += static_cast<double>(c);
    for (const auto& [tok, c] : next) h -= static_cast<double>(c) * std::log(static_cast<double>(c) / n);
    total += n;
    EXPECT_LE(next.size(), 4u) << "a context produced more distinct tokens than there are slots";
  }
  EXPECT_NEAR(h / total, *source.entropy_rate(), 0.01);
}

TEST(SyntheticSource, WindowsAreDeterministicAndResumable) {
  SyntheticSource a(small_options()), b(small_options());
  const int64_t seq = 32;
  std::vector<int32_t> first(5 * (seq + 1)), second(5 * (seq + 1)), again(5 * (seq + 1));
  a.next_train(5, seq, first);
  a.next_train(5, seq, second);
  EXPECT_EQ(a.position(), 10);
  b.set_position(5);
  b.next_train(5, seq, again);
  EXPECT_EQ(second, again);
  EXPECT_NE(first, second);
  for (int32_t t : first) EXPECT_TRUE(t >= 0 && t < 64);
}

TEST(SyntheticSource, HeldOutDiffersFromTrainingAndIsPure) {
  SyntheticSource source(small_options());
  const int64_t seq = 32;
  std::vector<int32_t> train(3 * (seq + 1)), held(3 * (seq + 1)), held2(3 * (seq + 1));
  source.next_train(3, seq, train);
  source.heldout(0, 3, seq, held);
  source.heldout(0, 3, seq, held2);
  EXPECT_EQ(held, held2);
  EXPECT_NE(train, held);
}

TEST(SyntheticSource, DifferentSeedsGiveDifferentSources) {
  SyntheticOptions o = small_options();
  SyntheticSource a(o);
  o.seed = 8;
  SyntheticSource b(o);
  std::vector<int32_t> x(33), y(33);
  a.window(0, 0, x);
  b.window(0, 0, y);
  EXPECT_NE(x, y);
}

TEST(SyntheticSource, OptimalWindowLossCountsTheUniformPrefix) {
  SyntheticSource source(small_options());
  const double h = *source.entropy_rate();
  EXPECT_NEAR(source.optimal_window_loss(100), (2 * std::log(64.0) + 98 * h) / 100, 1e-12);
}

TEST(SyntheticSource, BadOptionsAreAllReported) {
  SyntheticOptions o;
  o.vocab_size = 1;
  o.order = 0;
  try {
    SyntheticSource s(o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("vocab_size"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("synthetic_order"), std::string::npos);
  }
}

}  // namespace
}  // namespace lps::data
