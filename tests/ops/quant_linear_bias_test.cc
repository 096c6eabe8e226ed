// quartet_sr's weight gradient is unbiased over random draws (SR + random-sign Hadamard); quartet's RTN
// backward is not, and this measures by how much.
#include <gtest/gtest.h>
#include <lps/ops/quant_linear.h>
#include <lps/quant/scheme.h>
#include <torch/torch.h>

#include <cstdio>

#include "linear_reference.h"

namespace lps::ops {
namespace {

constexpr int kDraws = 3000;

struct BiasStats {
  double rms_z = 0;
  double max_z = 0;
  double rel_bias = 0;  // |mean - target| / |target| (Frobenius)
};

// dW over kDraws steps against its expectation unrotate((dYᵀ·X̂ · f) ⊙ M_w), X̂ the (deterministic) forward
// quantization of X.
BiasStats weight_gradient_bias(const char* preset) {
  const quant::Scheme s = *quant::preset_scheme(preset);
  torch::manual_seed(11);
  const at::Tensor x = torch::randn({128, 32});
  const at::Tensor w = torch::randn({32, 32}) * 0.2;
  const at::Tensor dy = torch::randn({128, 32});
  at::Tensor sum = torch::zeros({32, 32}, at::kDouble), sum_sq = torch::zeros({32, 32}, at::kDouble);
  for (int t = 0; t < kDraws; ++t) {
    const at::Tensor wv = w.clone().requires_grad_(true);
    quant_linear(x, wv, s, {5, t, 1, 0}).backward(dy);
    const at::Tensor g = wv.grad().to(at::kDouble);
    sum += g;
    sum_sq += g * g;
  }
  // Expectation: the same pipeline with an unquantized weight-gradient GEMM.
  quant::Scheme exact = s;
  exact.at(quant::Operand::kBwdDyT) = quant::OperandQuant{};
  exact.at(quant::Operand::kBwdXT) = quant::OperandQuant{};
  const at::Tensor target = testing::reference_linear(x, w, dy, exact, {5, 0, 1, 0}).dw;
  const at::Tensor mean = sum / kDraws;
  const at::Tensor sd = ((sum_sq / kDraws - mean * mean).clamp_min(1e-30)).sqrt();
  const at::Tensor z = (mean - target) / (sd / std::sqrt(double(kDraws)));
  BiasStats b;
  b.rms_z = z.pow(2).mean().sqrt().item<double>();
  b.max_z = z.abs().max().item<double>();
  b.rel_bias = (mean - target).norm().item<double>() / target.norm().item<double>();
  std::printf("[ BIAS     ] %-10s dW over %d draws: rms z %.2f, max |z| %.2f, |bias|/|dW| %.2e\n", preset,
              kDraws, b.rms_z, b.max_z, b.rel_bias);
  return b;
}

TEST(QuantLinearBias, QuartetSrWeightGradientIsUnbiased) {
  const BiasStats b = weight_gradient_bias("quartet_sr");
  EXPECT_LT(b.rms_z, 1.15) << "z-scores of an unbiased estimator have unit variance";
  EXPECT_LT(b.max_z, 4.5) << "1024 elements: |z| > 4.5 has probability < 1%";
}

TEST(QuantLinearBias, QuartetRtnWeightGradientIsBiased) {
  const BiasStats b = weight_gradient_bias("quartet");
  EXPECT_GT(b.rms_z, 2.0) << "RTN's bias shows over " << kDraws << " draws";
}

}  // namespace
}  // namespace lps::ops
