// QuantLinear's forward and both gradients equal a hand-computed reference (lps::quant operands, FP64
// GEMMs) for every preset; quantization visibly changes them; odd shapes are padded.
#include <gtest/gtest.h>
#include <lps/ops/device.h>
#include <lps/ops/quant_linear.h>
#include <lps/quant/scheme.h>
#include <torch/torch.h>

#include <cstdio>

#include "linear_reference.h"

namespace lps::ops {
namespace {

double rel_err(const at::Tensor& got, const at::Tensor& want) {
  return (got.to(at::kDouble) - want).abs().max().item<double>() / (want.abs().max().item<double>() + 1e-30);
}

class QuantLinearPreset : public ::testing::TestWithParam<std::string> {};

TEST_P(QuantLinearPreset, ForwardAndGradientsEqualTheHandComputedReference) {
  const quant::Scheme s = *quant::preset_scheme(GetParam());
  torch::manual_seed(3);
  const at::Tensor x0 = torch::randn({128, 128});
  const at::Tensor w0 = torch::randn({128, 128}) * 0.1;
  const at::Tensor dy = torch::randn({128, 128});
  const QuantCallKeys keys{7, 3, 11, 0};

  const at::Tensor x = x0.clone().requires_grad_(true);
  const at::Tensor w = w0.clone().requires_grad_(true);
  const at::Tensor y = quant_linear(x, w, s, keys);
  y.backward(dy);
  const testing::RefGrads ref = testing::reference_linear(x0, w0, dy, s, keys);

  const double ey = rel_err(y.detach(), ref.y), ex = rel_err(x.grad(), ref.dx),
               ew = rel_err(w.grad(), ref.dw);
  std::printf("[ QLINEAR  ] %-10s rel. error vs reference: Y %.1e  dX %.1e  dW %.1e\n", GetParam().c_str(),
              ey, ex, ew);
  EXPECT_LT(ey, 1e-5);
  EXPECT_LT(ex, 1e-5);
  EXPECT_LT(ew, 1e-5);

  // Quantization is really applied: the result moves away from the exact product (the baseline stays on it).
  const at::Tensor exact_y = at::matmul(x0.to(at::kDouble), w0.to(at::kDouble).t());
  const at::Tensor exact_dw = at::matmul(dy.to(at::kDouble).t(), x0.to(at::kDouble));
  if (s.is_baseline()) {
    EXPECT_LT(rel_err(y.detach(), exact_y), 1e-5);
  } else {
    const bool fwd_quantized = !s.at(quant::Operand::kFwdX).is_identity();
    EXPECT_GT(fwd_quantized ? rel_err(y.detach(), exact_y) : rel_err(w.grad(), exact_dw), 1e-3);
  }
}

INSTANTIATE_TEST_SUITE_P(EveryPreset, QuantLinearPreset,
                         ::testing::Values("bf16", "fp8", "mxfp4_rtn", "mxfp4_sr", "quest_fwd", "quartet",
                                           "quartet_sr", "nvfp4", "quartet2"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST(QuantLinear, PadsKDimensionsThatAreNotBlockMultiples) {
  // in = 40, out = 24, M = 40: every GEMM's K needs zero padding (to 32/128).
  for (const char* name : {"quartet", "quartet2", "fp8"}) {
    const quant::Scheme s = *quant::preset_scheme(name);
    torch::manual_seed(5);
    const at::Tensor x = torch::randn({40, 40}, torch::requires_grad());
    const at::Tensor w = (torch::randn({24, 40}) * 0.1).requires_grad_(true);
    const at::Tensor y = quant_linear(x, w, s, {1, 2, 3, 0});
    ASSERT_EQ(y.sizes(), (std::vector<int64_t>{40, 24})) << name;
    y.sum().backward();
    ASSERT_EQ(x.grad().sizes(), x.sizes());
    ASSERT_EQ(w.grad().sizes(), w.sizes());
    const at::Tensor exact_dx = torch::ones({40, 24}).matmul(w.detach());
    EXPECT_TRUE(torch::isfinite(x.grad()).all().item<bool>()) << name;
    EXPECT_LT(rel_err(x.grad(), exact_dx.to(at::kDouble)), 0.5) << name << ": padded gradient is far off";
  }
}

TEST(QuantLinear, RejectsInconsistentSchemesWithTheOperandNamed) {
  quant::Scheme s = *quant::preset_scheme("quartet");
  s.at(quant::Operand::kBwdW).hadamard = 64;
  try {
    (void)quant_linear(torch::randn({32, 32}), torch::randn({32, 32}), s, {});
    FAIL() << "expected an error";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what()).find("bwd_dy and bwd_w"), std::string::npos) << e.what();
  }
}

TEST(QuantLinear, KeysAreDeterministicAndSeparateOperands) {
  const quant::Scheme s = *quant::preset_scheme("quartet_sr");
  const at::Tensor x = torch::randn({64, 64});
  const at::Tensor w = torch::randn({64, 64});
  auto grad_w = [&](QuantCallKeys k) {
    const at::Tensor wv = w.clone().requires_grad_(true);
    quant_linear(x, wv, s, k).sum().backward();
    return wv.grad();
  };
  EXPECT_TRUE(torch::equal(grad_w({1, 2, 3, 0}), grad_w({1, 2, 3, 0})))
      << "same keys, same bits (exact resume)";
  EXPECT_FALSE(torch::equal(grad_w({1, 2, 3, 0}), grad_w({1, 3, 3, 0}))) << "another step draws anew";
  const QuantCallKeys k{1, 2, 3, 0};
  EXPECT_EQ(operand_keys(k, quant::Operand::kBwdDy).signs, operand_keys(k, quant::Operand::kBwdW).signs);
  EXPECT_NE(operand_keys(k, quant::Operand::kBwdDy).signs, operand_keys(k, quant::Operand::kBwdDyT).signs);
  EXPECT_NE(operand_keys(k, quant::Operand::kBwdDy).sr, operand_keys(k, quant::Operand::kBwdW).sr);
}

}  // namespace
}  // namespace lps::ops

namespace lps::ops {
namespace {

// On a GPU: every preset's CUDA path (kernels or torch emulation, tensor-core or BF16 GEMMs) against the CPU
// reference path. The GEMMs differ (BF16 operands / FP32 block sums), the quantized codes should not.
TEST(QuantLinearCuda, EveryPresetMatchesTheCpuPath) {
  if (!cuda_available())
    GTEST_SKIP() << "no CUDA device visible (or kernels not compiled): GPU path not exercised";
  for (std::string_view name : quant::preset_names()) {
    const quant::Scheme s = *quant::preset_scheme(name);
    torch::manual_seed(3);
    const at::Tensor x0 = torch::randn({256, 256});
    const at::Tensor w0 = torch::randn({256, 256}) * 0.1;
    const at::Tensor dy = torch::randn({256, 256});
    const QuantCallKeys keys{7, 3, 11, 0};
    auto run = [&](const at::Device& dev) {
      // clone: on the CPU .to() returns x0 itself, which must not become a leaf that later runs share.
      const at::Tensor x = x0.to(dev).clone().requires_grad_(true);
      const at::Tensor w = w0.to(dev).clone().requires_grad_(true);
      const at::Tensor y = quant_linear(x, w, s, keys);
      y.backward(dy.to(dev));
      return std::array<at::Tensor, 3>{y.detach().cpu(), x.grad().cpu(), w.grad().cpu()};
    };
    reset_quant_dispatch_stats();
    reset_gemm_stats();
    const auto cpu = run(at::kCPU);
    const auto gpu = run(at::Device(at::kCUDA, 0));
    const auto d = quant_dispatch_stats();
    const auto g = gemm_stats();
    std::printf(
        "[ CUDA     ] %-10s rel. error vs CPU: Y %.1e dX %.1e dW %.1e | quantize: %lld kernel, %lld emulated "
        "| "
        "GEMMs: %lld mxfp4-tc, %lld fp8-tc, %lld bf16\n",
        std::string(name).c_str(), rel_err(gpu[0], cpu[0].to(at::kDouble)),
        rel_err(gpu[1], cpu[1].to(at::kDouble)), rel_err(gpu[2], cpu[2].to(at::kDouble)),
        static_cast<long long>(d.cuda_kernel), static_cast<long long>(d.cuda_fallback),
        static_cast<long long>(g.mxfp4_tensor_core), static_cast<long long>(g.fp8_tensor_core),
        static_cast<long long>(g.emulated_bf16));
    for (int i = 0; i < 3; ++i)
      EXPECT_LT(rel_err(gpu[static_cast<size_t>(i)], cpu[static_cast<size_t>(i)].to(at::kDouble)), 3e-2)
          << name << " output " << i;
  }
}

}  // namespace
}  // namespace lps::ops
