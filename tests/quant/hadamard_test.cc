#include <gtest/gtest.h>
#include <lps/quant/hadamard.h>

#include <bit>
#include <cmath>
#include <vector>

namespace lps::quant {
namespace {

std::vector<float> column(int n, int j, const float* signs) {
  std::vector<float> v(static_cast<size_t>(n), 0.0f);
  v[static_cast<size_t>(j)] = 1.0f;
  hadamard_forward(v.data(), n, signs);
  return v;
}

TEST(Hadamard, IsTheNormalisedSylvesterMatrix) {
  for (int n : {16, 32, 64, 128}) {
    const float c = hadamard_scale(n);
    EXPECT_FLOAT_EQ(c, static_cast<float>(1.0 / std::sqrt(n)));
    for (int j = 0; j < n; ++j) {
      const auto col = column(n, j, nullptr);
      for (int i = 0; i < n; ++i) {
        const float want = (std::popcount(static_cast<unsigned>(i & j)) % 2 == 0) ? c : -c;
        ASSERT_EQ(col[static_cast<size_t>(i)], want) << "n " << n << " H[" << i << "][" << j << "]";
      }
    }
  }
}

TEST(Hadamard, IsOrthogonalAndInvertedByItsInverse) {
  for (int n : {16, 32, 64, 128}) {
    std::vector<float> signs(static_cast<size_t>(n));
    for (int j = 0; j < n; ++j) signs[static_cast<size_t>(j)] = (j * 7 % 3 == 0) ? -1.0f : 1.0f;
    for (int a = 0; a < n; a += 5) {
      const auto ca = column(n, a, signs.data());
      for (int b = 0; b < n; b += 3) {
        const auto cb = column(n, b, signs.data());
        double dot = 0;
        for (int i = 0; i < n; ++i) dot += double(ca[static_cast<size_t>(i)]) * cb[static_cast<size_t>(i)];
        EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-6) << "n " << n << " columns " << a << ", " << b;
      }
    }
    std::vector<float> v(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = std::sin(0.3f * i) * 5.0f;
    auto w = v;
    hadamard_forward(w.data(), n, signs.data());
    hadamard_inverse(w.data(), n, signs.data());
    for (int i = 0; i < n; ++i) EXPECT_NEAR(w[static_cast<size_t>(i)], v[static_cast<size_t>(i)], 1e-5);
  }
}

TEST(Hadamard, AppliesSignsBeforeTheTransform) {
  // H·D·e_j is column j of H times d_j; D·H·e_j would flip individual entries of the column instead.
  const int n = 32;
  std::vector<float> signs(n, 1.0f);
  signs[5] = -1.0f;
  const auto plain = column(n, 5, nullptr);
  const auto signed_col = column(n, 5, signs.data());
  for (int i = 0; i < n; ++i) EXPECT_EQ(signed_col[static_cast<size_t>(i)], -plain[static_cast<size_t>(i)]);
  const auto other = column(n, 4, signs.data());
  EXPECT_EQ(other, column(n, 4, nullptr)) << "a sign on input 5 leaves column 4 alone";
}

TEST(Hadamard, RejectsUnsupportedSizes) {
  EXPECT_FALSE(is_hadamard_size(8));
  EXPECT_FALSE(is_hadamard_size(256));
  EXPECT_THROW((void)hadamard_scale(48), std::exception);
}

}  // namespace
}  // namespace lps::quant
