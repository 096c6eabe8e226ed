// Stochastic rounding and MS-EDEN are unbiased: the mean of 10^4 independent draws (fresh SR keys and, for
// MS-EDEN, fresh random Hadamard signs) lies within 3σ of x for every element; RTN is measurably not.
#include <gtest/gtest.h>
#include <lps/quant/counter_rng.h>
#include <lps/quant/hadamard.h>
#include <lps/quant/quantizer.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

namespace lps::quant {
namespace {

constexpr int kDraws = 10000;

OperandQuant make(Format f, ScaleRule s, Rounding r, int hadamard = 0, bool signs = false) {
  OperandQuant q;
  q.format = f;
  q.scale = s;
  q.rounding = r;
  q.hadamard = hadamard;
  q.random_signs = signs;
  return q;
}

// Per element: the z-score of the mean of kDraws dequantised (and un-rotated) draws against x.
std::vector<double> z_scores(const std::vector<float>& x, const OperandQuant& q) {
  const auto k = static_cast<int64_t>(x.size());
  std::vector<double> sum(x.size(), 0.0), sum_sq(x.size(), 0.0);
  std::vector<float> d(x.size());
  for (int t = 0; t < kDraws; ++t) {
    QuantizeOptions o;
    o.quant = q;
    o.sr_key = derive_key(7, t, 1, 0, kStreamSrBase);
    o.sign_key = derive_key(7, t, 1, 0, kStreamSignsDw);
    const auto qm = quantize_ref(StridedMatrix{x.data(), 1, k, k, 1}, o);
    dequantize_ref(qm, d.data(), true);
    if (q.hadamard > 0) {
      std::vector<float> signs(x.size(), 1.0f);
      for (int64_t j = 0; j < k; ++j)
        if (q.random_signs) signs[static_cast<size_t>(j)] = random_sign(o.sign_key, static_cast<uint64_t>(j));
      for (int64_t b = 0; b < k; b += q.hadamard)
        hadamard_inverse(d.data() + b, q.hadamard, signs.data() + b);
    }
    for (size_t i = 0; i < x.size(); ++i) {
      sum[i] += d[i];
      sum_sq[i] += double(d[i]) * d[i];
    }
  }
  std::vector<double> z(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double mean = sum[i] / kDraws;
    const double var = std::max(sum_sq[i] / kDraws - mean * mean, 1e-30);
    z[i] = (mean - x[i]) / std::sqrt(var / kDraws);
  }
  return z;
}

std::vector<float> sample(size_t n, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<float> d;
  std::vector<float> v(n);
  for (float& x : v) x = d(gen);
  return v;
}

void expect_unbiased(const std::vector<double>& z, const char* what) {
  double max_abs = 0;
  for (size_t i = 0; i < z.size(); ++i) {
    EXPECT_LT(std::fabs(z[i]), 3.0) << what << ": element " << i << " mean is " << z[i] << " sigma from x";
    max_abs = std::max(max_abs, std::fabs(z[i]));
  }
  std::printf("[ BIAS     ] %-34s max |mean - x| = %.2f sigma over %zu elements\n", what, max_abs, z.size());
}

TEST(Unbiasedness, Mxfp4StochasticRoundingIsUnbiased) {
  expect_unbiased(z_scores(sample(32, 1), make(Format::kMxfp4, ScaleRule::kAbsmax34, Rounding::kSr)),
                  "MXFP4 SR (absmax_3_4)");
}

TEST(Unbiasedness, QuartetBackwardSrWithRandomHadamardIsUnbiased) {
  expect_unbiased(
      z_scores(sample(64, 2), make(Format::kMxfp4, ScaleRule::kAbsmax34, Rounding::kSr, 32, true)),
      "MXFP4 SR + random-sign H32");
}

TEST(Unbiasedness, Nvfp4StochasticRoundingWithHeadroomIsUnbiased) {
  expect_unbiased(z_scores(sample(32, 3), make(Format::kNvfp4, ScaleRule::kAbsmax, Rounding::kSr)),
                  "NVFP4 SR (16/17 headroom)");
}

double rms(const std::vector<double>& z) {
  double s = 0;
  for (double v : z) s += v * v;
  return std::sqrt(s / static_cast<double>(z.size()));
}

// MS-EDEN's unbiasedness rests on the EDEN argument, exact for a uniformly random (Haar) rotation; with the
// randomized Hadamard transform it holds only approximately, and 10^4 draws resolve the residual bias on a
// fixed x (docs/precision.md, "Known gaps"). This test pins what we have: the correction removes a good part
// of RTN's bias (rms z-score at most 3/4 of the same RHT + RTN pipeline's without it).
TEST(Unbiasedness, MsEdenRemovesMostOfTheRtnBias) {
  const auto x = sample(128, 4);
  const auto eden = z_scores(x, make(Format::kNvfp4, ScaleRule::kMsEden, Rounding::kRtn, 128, true));
  const auto rtn = z_scores(x, make(Format::kNvfp4, ScaleRule::kAbsmax, Rounding::kRtn, 128, true));
  std::printf("[ BIAS     ] NVFP4 RHT-128: rms z MS-EDEN %.2f, RTN %.2f\n", rms(eden), rms(rtn));
  EXPECT_LT(rms(eden), 0.75 * rms(rtn));
}

TEST(Unbiasedness, RoundToNearestIsBiasedEvenWithRandomRotations) {
  // The same x and draws as the SR test, with RTN: some element's mean must sit far from x.
  const auto z =
      z_scores(sample(64, 2), make(Format::kMxfp4, ScaleRule::kAbsmax34, Rounding::kRtn, 32, true));
  double max_abs = 0;
  for (double v : z) max_abs = std::max(max_abs, std::fabs(v));
  std::printf("[ BIAS     ] %-34s max |mean - x| = %.2f sigma\n", "MXFP4 RTN + random-sign H32", max_abs);
  EXPECT_GT(max_abs, 5.0);
}

}  // namespace
}  // namespace lps::quant
