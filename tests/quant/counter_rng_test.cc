#include <gtest/gtest.h>
#include <lps/quant/counter_rng.h>

#include <cmath>

namespace lps::quant {
namespace {

// Known answers from an independent Python transcription of the formulas in counter_rng.h; the CUDA
// kernels must produce the same.
TEST(CounterRng, MatchesTheDocumentedFormulas) {
  const uint64_t k = derive_key(1234, 7, 3, 0, 16);
  EXPECT_EQ(k, 0xB9FF5B9088D09212ull);
  EXPECT_EQ(hash32(k, 0), 0xF6798F80u);
  EXPECT_EQ(hash32(k, 1), 0xBBF18DE7u);
  EXPECT_EQ(hash32(k, (1ull << 32) + 5), 0xDE2A9CBBu);
  EXPECT_EQ(uniform24(k, 0), 16152975u);
  EXPECT_EQ(derive_key(0, 0, 0, 0, 0), 0x369DD2A265E13030ull);
  EXPECT_EQ(derive_key(42, -1, 9, 2, 1), 0x7D24D1F5D258A654ull);
}

TEST(CounterRng, UniformsLookUniformAndSignsBalanced) {
  const uint64_t k = derive_key(1, 2, 3, 4, 5);
  const int n = 1 << 16;
  double sum = 0, sum_sq = 0;
  int neg = 0;
  for (int i = 0; i < n; ++i) {
    const double u = uniform24(k, static_cast<uint64_t>(i)) * 0x1p-24;
    sum += u;
    sum_sq += u * u;
    if (random_sign(k, static_cast<uint64_t>(i)) < 0) ++neg;
  }
  EXPECT_NEAR(sum / n, 0.5, 4 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(sum_sq / n, 1.0 / 3, 0.005);
  EXPECT_NEAR(neg, n / 2, 4 * std::sqrt(n / 4.0));
}

TEST(CounterRng, EveryKeyComponentChangesTheStream) {
  const uint64_t base = derive_key(1, 2, 3, 4, 5);
  EXPECT_NE(base, derive_key(9, 2, 3, 4, 5));
  EXPECT_NE(base, derive_key(1, 9, 3, 4, 5));
  EXPECT_NE(base, derive_key(1, 2, 9, 4, 5));
  EXPECT_NE(base, derive_key(1, 2, 3, 9, 5));
  EXPECT_NE(base, derive_key(1, 2, 3, 4, 9));
  EXPECT_EQ(base, derive_key(1, 2, 3, 4, 5)) << "deterministic";
}

}  // namespace
}  // namespace lps::quant
