// The plain C++ references of the fused model kernels (kernels/include/lps/kernels/*_ref.h), checked on the host
// against direct formulas and finite differences computed independently in double. The GPU tests
// (fused_*_gpu_test.cc) then hold the kernels to these references.
#include <lps/kernels/cross_entropy_ref.h>
#include <lps/kernels/fused_math.h>
#include <lps/kernels/rms_norm_ref.h>
#include <lps/kernels/rope_ref.h>
#include <lps/kernels/swiglu_ref.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace lps::kernels {
namespace {

std::vector<float> normal_floats(size_t n, uint32_t seed, float std = 1.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, std);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

TEST(FusedMath, Bf16RoundingIsNearestEvenAndKeepsSpecials) {
  EXPECT_EQ(fused::float_to_bf16_bits(1.0f), 0x3f80);
  EXPECT_EQ(fused::round_to_bf16(1.0f + std::ldexp(1.0f, -8)), 1.0f);  // tie -> even (1.0)
  EXPECT_EQ(fused::round_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 1.0f + std::ldexp(1.0f, -6));  // tie -> even
  EXPECT_EQ(fused::round_to_bf16(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)), 1.0f + std::ldexp(1.0f, -7));
  EXPECT_EQ(fused::round_to_bf16(-std::numeric_limits<float>::infinity()), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(fused::round_to_bf16(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(fused::round_to_bf16(3.4e38f), std::numeric_limits<float>::infinity());  // past BF16's largest finite
}

TEST(FusedMath, ButterflySumAddsEveryLaneOnce) {
  float lanes[fused::kWarp];
  for (int l = 0; l < fused::kWarp; ++l) lanes[l] = static_cast<float>(1 << (l % 20));  // exact in float
  double expected = 0;
  for (float v : lanes) expected += v;
  EXPECT_EQ(static_cast<double>(fused::butterfly_sum_host(lanes)), expected);
}

TEST(FusedReference, CrossEntropyMatchesMinusLogSoftmaxOfTheTarget) {
  const int64_t rows = 6, vocab = 50;
  const auto x = normal_floats(rows * vocab, 1, 3.0f);
  std::vector<int64_t> t(rows);
  for (int64_t r = 0; r < rows; ++r) t[r] = (r * 7) % vocab;
  std::vector<float> loss(rows), lse(rows);
  ref::cross_entropy_forward(x.data(), t.data(), rows, vocab, -100, loss.data(), lse.data());
  for (int64_t r = 0; r < rows; ++r) {
    long double z = 0;
    for (int64_t j = 0; j < vocab; ++j) z += std::exp(static_cast<long double>(x[r * vocab + j]));
    const double expected = -static_cast<double>(std::log(std::exp(static_cast<long double>(x[r * vocab + t[r]])) / z));
    EXPECT_NEAR(loss[r], expected, 1e-5 * std::fabs(expected) + 1e-6) << "row " << r;
    EXPECT_NEAR(lse[r], static_cast<double>(std::log(z)), 1e-5) << "row " << r;
  }
}

TEST(FusedReference, CrossEntropyGradientMatchesFiniteDifferences) {
  const int64_t vocab = 12;
  auto x = normal_floats(vocab, 2, 2.0f);
  const int64_t target = 5;
  const float grad = 0.75f;
  float loss = 0, lse = 0;
  ref::cross_entropy_forward(x.data(), &target, 1, vocab, -100, &loss, &lse);
  const auto d = ref::cross_entropy_backward(x.data(), &target, &lse, &grad, 1, vocab, -100);
  double row_sum = 0;
  for (int64_t j = 0; j < vocab; ++j) {
    const double h = 1e-3;
    std::vector<float> plus = x, minus = x;
    plus[j] += static_cast<float>(h);
    minus[j] -= static_cast<float>(h);
    const double lp = ref::cross_entropy_row(plus.data(), vocab, target, -100).loss;
    const double lm = ref::cross_entropy_row(minus.data(), vocab, target, -100).loss;
    const double step = static_cast<double>(plus[j]) - static_cast<double>(minus[j]);
    EXPECT_NEAR(d[j], grad * (lp - lm) / step, 1e-4) << "logit " << j;
    row_sum += d[j];
  }
  EXPECT_NEAR(row_sum, 0.0, 1e-6);  // softmax sums to one
}

TEST(FusedReference, CrossEntropyIgnoresRowsFlagsBadTargetsAndSkipsMaskedLogits) {
  const float inf = std::numeric_limits<float>::infinity();
  const int64_t vocab = 4;
  // row 0: ignored; row 1: target out of range; row 2: two -inf (masked) logits; row 3: row 2 without them.
  const std::vector<float> x = {1, 2, 3, 4, 1, 2, 3, 4, 1, -inf, 3, -inf, 1, 3, -1e30f, -1e30f};
  const std::vector<int64_t> t = {-100, 4, 2, 1};
  std::vector<float> loss(4), lse(4);
  ref::cross_entropy_forward(x.data(), t.data(), 4, vocab, -100, loss.data(), lse.data());
  EXPECT_EQ(loss[0], 0.0f);
  EXPECT_TRUE(std::isnan(loss[1]));
  EXPECT_TRUE(std::isfinite(loss[2]));
  EXPECT_NEAR(loss[2], loss[3], 1e-6);
  const std::vector<float> g(4, 1.0f);
  const auto d = ref::cross_entropy_backward(x.data(), t.data(), lse.data(), g.data(), 4, vocab, -100);
  for (int64_t j = 0; j < vocab; ++j) EXPECT_EQ(d[j], 0.0) << "ignored row, logit " << j;
  EXPECT_EQ(d[2 * vocab + 1], 0.0);  // exp(-inf - lse)
}

// y = x · w / sqrt(mean(x²) + eps) in double, written out directly.
std::vector<double> rms_direct(const std::vector<float>& x, const std::vector<float>& w, int64_t rows, int64_t dim,
                               double eps) {
  std::vector<double> y(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (int64_t j = 0; j < dim; ++j) ss += static_cast<double>(x[r * dim + j]) * x[r * dim + j];
    const double s = 1.0 / std::sqrt(ss / static_cast<double>(dim) + eps);
    for (int64_t j = 0; j < dim; ++j) y[r * dim + j] = x[r * dim + j] * s * w[j];
  }
  return y;
}

TEST(FusedReference, RmsNormForwardMatchesTheDirectFormula) {
  const int64_t rows = 5, dim = 100;
  auto x = normal_floats(rows * dim, 3);
  for (int64_t j = 0; j < dim; ++j) x[4 * dim + j] = 1e-20f * (j % 3);  // a tiny norm: eps dominates
  const auto w = normal_floats(dim, 4);
  std::vector<float> y(rows * dim), rstd(rows);
  ref::rms_norm_forward(x.data(), w.data(), rows, dim, 1e-5f, y.data(), rstd.data());
  const auto expected = rms_direct(x, w, rows, dim, static_cast<double>(1e-5f));
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], expected[i], 1e-5 * std::fabs(expected[i]) + 1e-30) << i;
}

TEST(FusedReference, RmsNormBackwardMatchesFiniteDifferences) {
  const int64_t rows = 3, dim = 40;
  const auto x = normal_floats(rows * dim, 5), w = normal_floats(dim, 6), dy = normal_floats(rows * dim, 7);
  std::vector<float> y(rows * dim), rstd(rows), dx(rows * dim), dw(dim);
  ref::rms_norm_forward(x.data(), w.data(), rows, dim, 1e-5f, y.data(), rstd.data());
  ref::rms_norm_backward(dy.data(), x.data(), w.data(), rstd.data(), rows, dim, dx.data(), dw.data());
  // L = Σ dy · y(x, w) in double; central differences.
  auto objective = [&](const std::vector<float>& xs, const std::vector<float>& ws) {
    const auto yy = rms_direct(xs, ws, rows, dim, static_cast<double>(1e-5f));
    double l = 0;
    for (size_t i = 0; i < yy.size(); ++i) l += dy[i] * yy[i];
    return l;
  };
  for (size_t i = 0; i < x.size(); i += 7) {
    auto xp = x, xm = x;
    xp[i] += 1e-3f;
    xm[i] -= 1e-3f;
    const double fd = (objective(xp, w) - objective(xm, w)) / (static_cast<double>(xp[i]) - xm[i]);
    EXPECT_NEAR(dx[i], fd, 2e-3 * (1 + std::fabs(fd))) << "dx " << i;
  }
  for (int64_t j = 0; j < dim; j += 3) {
    auto wp = w, wm = w;
    wp[j] += 1e-3f;
    wm[j] -= 1e-3f;
    const double fd = (objective(x, wp) - objective(x, wm)) / (static_cast<double>(wp[j]) - wm[j]);
    EXPECT_NEAR(dw[j], fd, 2e-3 * (1 + std::fabs(fd))) << "dweight " << j;
  }
}

TEST(FusedReference, RmsNormWeightGradientChunksCoverEveryRowOnce) {
  for (int64_t rows : {1, 7, 255, 256, 257, 1000, 32768, 1 << 20}) {
    const int64_t chunk = rms::dw_chunk_rows(rows), chunks = rms::dw_chunks(rows);
    EXPECT_LE(chunks, rms::kMaxDwChunks) << rows;
    EXPECT_GE(chunks * chunk, rows) << rows;
    EXPECT_LT((chunks - 1) * chunk, rows) << rows;  // the last chunk is not empty
  }
  // Σ over chunks equals the direct column sum (1000 rows: 250 chunks of 4).
  const int64_t rows = 1000, dim = 3;
  const auto x = normal_floats(rows * dim, 8), dy = normal_floats(rows * dim, 9);
  const std::vector<float> w(dim, 1.0f), rstd(rows, 1.0f);
  std::vector<float> dx(rows * dim), dw(dim);
  ref::rms_norm_backward(dy.data(), x.data(), w.data(), rstd.data(), rows, dim, dx.data(), dw.data());
  for (int64_t j = 0; j < dim; ++j) {
    double expected = 0;
    for (int64_t r = 0; r < rows; ++r) expected += static_cast<double>(dy[r * dim + j]) * x[r * dim + j];
    EXPECT_NEAR(dw[j], expected, 1e-4 * (1 + std::fabs(expected))) << j;
  }
}

TEST(FusedReference, SwigluMatchesSiluTimesUpAndItsFiniteDifferences) {
  const int64_t rows = 2, ff = 9;
  auto gu = normal_floats(rows * 2 * ff, 10, 3.0f);
  gu[0] = -100.0f;  // σ underflows: silu → -0, gradient 0
  gu[1] = 60.0f;    // σ = 1
  const auto dact = normal_floats(rows * ff, 11);
  std::vector<float> act(rows * ff), dgu(rows * 2 * ff);
  ref::swiglu_forward(gu.data(), rows, ff, act.data());
  ref::swiglu_backward(gu.data(), dact.data(), rows, ff, dgu.data());
  auto silu = [](double g) { return g / (1 + std::exp(-g)); };
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < ff; ++j) {
      const double g = gu[r * 2 * ff + j], u = gu[r * 2 * ff + ff + j], d = dact[r * ff + j];
      EXPECT_NEAR(act[r * ff + j], silu(g) * u, 1e-6 * (1 + std::fabs(silu(g) * u)));
      const double h = 1e-4 * (1 + std::fabs(g));
      const double dsilu = (silu(g + h) - silu(g - h)) / (2 * h);
      EXPECT_NEAR(dgu[r * 2 * ff + j], d * u * dsilu, 1e-4 * (1 + std::fabs(d * u))) << r << "," << j;
      EXPECT_NEAR(dgu[r * 2 * ff + ff + j], d * silu(g), 1e-5 * (1 + std::fabs(d * silu(g)))) << r << "," << j;
    }
}

TEST(FusedReference, RopeRotatesQAndKHalvesCopiesVAndItsBackwardIsTheTranspose) {
  RopeShape sh;
  sh.tokens = 6;  // B = 2, T = 3
  sh.seq_len = 3;
  sh.heads = 2;
  sh.head_dim = 8;
  const int64_t half = 4, n_in = sh.tokens * 3 * sh.heads * sh.head_dim, n_out = sh.tokens * sh.heads * sh.head_dim;
  const auto qkv = normal_floats(n_in, 12), cos = normal_floats(sh.seq_len * half, 13),
             sin = normal_floats(sh.seq_len * half, 14);
  std::vector<float> q(n_out), k(n_out), v(n_out);
  ref::rope_qkv_forward(qkv.data(), cos.data(), sin.data(), sh, q.data(), k.data(), v.data());
  // Element (token n = b·T + t, head h, j) by direct indexing of [tokens, 3, H, hd].
  auto in = [&](int64_t n, int64_t slot, int64_t h, int64_t j) { return qkv[((n * 3 + slot) * 2 + h) * 8 + j]; };
  for (int64_t n = 0; n < sh.tokens; ++n)
    for (int64_t h = 0; h < 2; ++h)
      for (int64_t j = 0; j < half; ++j) {
        const int64_t t = n % 3, o = (n * 2 + h) * 8;
        const double c = cos[t * half + j], s = sin[t * half + j];
        EXPECT_NEAR(q[o + j], in(n, 0, h, j) * c - in(n, 0, h, j + half) * s, 1e-5);
        EXPECT_NEAR(q[o + j + half], in(n, 0, h, j + half) * c + in(n, 0, h, j) * s, 1e-5);
        EXPECT_NEAR(k[o + j], in(n, 1, h, j) * c - in(n, 1, h, j + half) * s, 1e-5);
        EXPECT_EQ(v[o + j], in(n, 2, h, j));
        EXPECT_EQ(v[o + j + half], in(n, 2, h, j + half));
      }
  // <forward(x), dy> = <x, backward(dy)>
  const auto dq = normal_floats(n_out, 15), dk = normal_floats(n_out, 16), dv = normal_floats(n_out, 17);
  std::vector<float> dqkv(n_in);
  ref::rope_qkv_backward(dq.data(), dk.data(), dv.data(), cos.data(), sin.data(), sh, dqkv.data());
  double lhs = 0, rhs = 0;
  for (int64_t i = 0; i < n_out; ++i) lhs += double(q[i]) * dq[i] + double(k[i]) * dk[i] + double(v[i]) * dv[i];
  for (int64_t i = 0; i < n_in; ++i) rhs += double(qkv[i]) * dqkv[i];
  EXPECT_NEAR(lhs, rhs, 1e-4 * (1 + std::fabs(lhs)));
}

}  // namespace
}  // namespace lps::kernels
