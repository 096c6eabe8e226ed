// MXFP4 GEMMs on FP8 tensor cores (E4M3 with 1×128 block scales) and tensorwise FP8 GEMMs, checked against
// an FP64 product of the reference's dequantised operands; wide-span blocks fall back and are counted.
#include "input_patterns.h"

#include <lps/ops/cuda_gemm.h>
#include <lps/ops/cuda_quantize.h>
#include <lps/ops/device.h>
#include <lps/quant/counter_rng.h>
#include <lps/quant/quantizer.h>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

namespace lps {
namespace {

using quant::Format;
using quant::OperandQuant;
using quant::Rounding;
using quant::ScaleRule;

constexpr int64_t kM = 256;
constexpr int64_t kN = 128;
constexpr int64_t kK = 512;

OperandQuant make(Format f, Rounding r, ScaleRule s, int h = 0, bool signs = false) {
  OperandQuant q;
  q.format = f;
  q.rounding = r;
  q.scale = s;
  q.hadamard = h;
  q.random_signs = signs;
  return q;
}

// FP64 [rows, K] of the reference's dequantised operand x (row-major [rows, K], quantized along K).
at::Tensor reference_dequantised(const at::Tensor& x_cpu, const OperandQuant& q, const ops::QuantKeys& keys) {
  const at::Tensor xf = x_cpu.to(torch::kFloat).contiguous();
  quant::StridedMatrix m{xf.data_ptr<float>(), xf.size(0), xf.size(1), xf.size(1), 1};
  quant::QuantizeOptions o;
  o.quant = q;
  o.sr_key = keys.sr;
  o.sign_key = keys.signs;
  const auto qm = quant::quantize_ref(m, o);
  at::Tensor out = torch::empty({xf.size(0), xf.size(1)}, torch::kFloat);
  quant::dequantize_ref(qm, out.data_ptr<float>(), false);
  return out.to(torch::kDouble);
}

at::Tensor input(test::Pattern p, int64_t rows, int64_t cols, uint64_t seed) {
  const auto v = test::make_input(p, rows, cols, seed);
  return torch::from_blob(const_cast<float*>(v.data()), {rows, cols}, torch::kFloat).clone().to(torch::kBFloat16);
}

// |y - y64| <= bf16 rounding of y64 plus the accumulation error of the tensor cores. Hopper's FP8 MMA
// accumulates with fewer bits than FP32, so the error bound is relative to Σ|a·b|, not to |y|: on an H100
// we saw up to 2e-3 of Σ|a·b| (heavy-tailed operands), so the bound is 2^-8 of it. A wrong scale or
// layout is off by a factor of 2 or more on whole 128-blocks — far outside this.
void expect_close(const at::Tensor& y, const at::Tensor& y64, const at::Tensor& abs_product) {
  const at::Tensor err = (y.cpu().to(torch::kDouble) - y64).abs();
  const at::Tensor tol = y64.abs() * (1.0 / 128) + abs_product * (1.0 / 256) + 1e-30;
  const at::Tensor bad = err > tol;
  if (bad.any().item<bool>()) {
    const int64_t i = bad.flatten().nonzero()[0].item<int64_t>();
    ADD_FAILURE() << "first mismatch at flat index " << i << ": got " << y.cpu().to(torch::kDouble).flatten()[i].item<double>()
                  << ", FP64 reference " << y64.flatten()[i].item<double>();
  }
}

class CudaGemm : public testing::Test {
 protected:
  void SetUp() override {
    if (!ops::cuda_available()) GTEST_SKIP() << "no CUDA device visible (or built without nvcc): GEMM tests skipped";
  }
};

TEST_F(CudaGemm, Mxfp4RunsOnFp8TensorCoresAndEqualsTheDequantisedProduct) {
  if (!ops::mxfp4_fp8_gemm_enabled())
    GTEST_SKIP() << "LPS_MXFP4_FP8_GEMM=0 turned the MXFP4-on-FP8 tensor-core path off";
  for (const auto& q : {make(Format::kMxfp4, Rounding::kRtn, ScaleRule::kQuest, 32),
                        make(Format::kMxfp4, Rounding::kSr, ScaleRule::kAbsmax34, 32, true),
                        make(Format::kMxfp4, Rounding::kRtn, ScaleRule::kAbsmax)}) {
    const ops::QuantKeys keys{quant::derive_key(1, 2, 3, 4, 16), quant::derive_key(1, 2, 3, 4, 1)};
    const at::Tensor a = input(test::Pattern::kHeavyTail, kM, kK, 1);
    const at::Tensor b = input(test::Pattern::kGaussian, kN, kK, 2);
    ops::reset_cuda_gemm_stats();
    const auto r = ops::cuda_mxfp4_gemm({a.cuda(), 1, q, keys, true}, {b.cuda(), 1, q, keys, false});
    EXPECT_TRUE(r.tensor_cores);
    EXPECT_EQ(ops::cuda_gemm_stats().mxfp4_tensor_cores, 1);
    EXPECT_EQ(ops::cuda_gemm_stats().mxfp4_fallbacks, 0);
    ASSERT_EQ(r.y.sizes(), (std::vector<int64_t>{kM, kN}));
    EXPECT_TRUE(r.mask_a.defined());
    const at::Tensor da = reference_dequantised(a, q, keys);
    const at::Tensor db = reference_dequantised(b, q, keys);
    expect_close(r.y, at::mm(da, db.t()), at::mm(da.abs(), db.abs().t()));
  }
}

TEST_F(CudaGemm, TransposedOperandsOfTheWeightGradientUseTheColumnKernel) {
  if (!ops::mxfp4_fp8_gemm_enabled())
    GTEST_SKIP() << "LPS_MXFP4_FP8_GEMM=0 turned the MXFP4-on-FP8 tensor-core path off";
  // dW = dYᵀ · X with K = tokens: both operands quantized along dim 0 of [tokens, features] tensors.
  const OperandQuant q = make(Format::kMxfp4, Rounding::kRtn, ScaleRule::kAbsmax34, 32, true);
  const ops::QuantKeys keys{quant::derive_key(5, 0, 0, 0, 16), quant::derive_key(5, 0, 0, 0, 2)};
  const at::Tensor dy = input(test::Pattern::kGaussian, kK, kN, 3);  // [tokens, out]
  const at::Tensor x = input(test::Pattern::kGaussian, kK, kM, 4);   // [tokens, in]
  const auto r = ops::cuda_mxfp4_gemm({dy.cuda(), 0, q, keys, false}, {x.cuda(), 0, q, keys, false});
  EXPECT_TRUE(r.tensor_cores);
  const at::Tensor da = reference_dequantised(dy.t().contiguous(), q, keys);
  const at::Tensor db = reference_dequantised(x.t().contiguous(), q, keys);
  expect_close(r.y, at::mm(da, db.t()), at::mm(da.abs(), db.abs().t()));
}

TEST_F(CudaGemm, WideSpanBlocksFallBackToTheDequantisedGemmAndAreCounted) {
  if (!ops::mxfp4_fp8_gemm_enabled()) GTEST_SKIP() << "LPS_MXFP4_FP8_GEMM=0: no encoding, so nothing to count";
  const OperandQuant q = make(Format::kMxfp4, Rounding::kRtn, ScaleRule::kAbsmax);
  const at::Tensor a = input(test::Pattern::kWideSpan, kM, kK, 5);
  const at::Tensor b = input(test::Pattern::kGaussian, kN, kK, 6);
  ops::reset_cuda_gemm_stats();
  const auto r = ops::cuda_mxfp4_gemm({a.cuda(), 1, q, {}, false}, {b.cuda(), 1, q, {}, false});
  EXPECT_FALSE(r.tensor_cores);
  EXPECT_EQ(ops::cuda_gemm_stats().mxfp4_fallbacks, 1);
  EXPECT_GT(ops::cuda_gemm_stats().inexact_blocks, 0);
  const at::Tensor da = reference_dequantised(a, q, {});
  const at::Tensor db = reference_dequantised(b, q, {});
  expect_close(r.y, at::mm(da, db.t()), at::mm(da.abs(), db.abs().t()));
}

// E4M3 byte × its 1×128 block scale == the reference's dequantised MXFP4 value, bit for bit, on every
// block the kernel reports exact; the wide-span input has inexact blocks and they are counted.
TEST_F(CudaGemm, E4m3BlockEncodingIsExactlyTheMxfp4ValueWhereReportedExact) {
  for (auto pattern : {test::Pattern::kGaussian, test::Pattern::kHeavyTail, test::Pattern::kTies, test::Pattern::kWideSpan}) {
    for (const auto& q : {make(Format::kMxfp4, Rounding::kRtn, ScaleRule::kQuest, 32),
                          make(Format::kMxfp4, Rounding::kSr, ScaleRule::kAbsmax34, 32, true)}) {
      for (int64_t dim : {1, 0}) {
        SCOPED_TRACE(test::pattern_name(pattern) + (dim == 1 ? " rows" : " cols"));
        const ops::QuantKeys keys{quant::derive_key(9, 1, 2, 3, 16), quant::derive_key(9, 1, 2, 3, 1)};
        const at::Tensor x = input(pattern, kM, kK, 10);
        const auto enc = ops::cuda_quantize_fp8_blocks(x.cuda(), q, dim, keys, false);
        const at::Tensor operand = dim == 1 ? x : x.t().contiguous();  // [rows, K]
        const at::Tensor want = reference_dequantised(operand, q, keys).to(torch::kFloat);
        const int64_t rows = operand.size(0);
        const int64_t k = operand.size(1);
        const at::Tensor values = enc.e4m3.cpu().view(torch::kFloat8_e4m3fn).to(torch::kFloat);
        const at::Tensor scales = enc.block_scales.cpu().t().repeat_interleave(128, 1);  // [rows, K]
        const at::Tensor got = values * scales;
        const int inexact = enc.inexact_blocks.cpu().item<int32_t>();
        if (pattern == test::Pattern::kWideSpan && dim == 1) {
          EXPECT_GT(inexact, 0);
        }
        // Blocks the kernel calls exact must decode to the reference bit for bit.
        const at::Tensor block_ok = (got.view({rows, k / 128, 128}) == want.view({rows, k / 128, 128})).all(2);
        const int64_t mismatched = (~block_ok).sum().item<int64_t>();
        EXPECT_LE(mismatched, inexact) << mismatched << " blocks differ from the reference, " << inexact
                                       << " reported inexact";
        if (inexact == 0 && mismatched > 0) {
          const int64_t i = (got != want).flatten().nonzero()[0].item<int64_t>();
          ADD_FAILURE() << "first difference at index " << i << ": E4M3 block encoding " << got.flatten()[i].item<float>()
                        << ", reference " << want.flatten()[i].item<float>();
        }
      }
    }
  }
}

TEST_F(CudaGemm, Fp8TensorwiseMatchesTheDequantisedProduct) {
  const OperandQuant e4 = make(Format::kFp8E4M3, Rounding::kRtn, ScaleRule::kAbsmax);
  const OperandQuant e5 = make(Format::kFp8E5M2, Rounding::kRtn, ScaleRule::kAbsmax);
  const at::Tensor a = input(test::Pattern::kGaussian, kM, kK, 7);
  const at::Tensor b = input(test::Pattern::kHeavyTail, kN, kK, 8);
  const auto r = ops::cuda_fp8_gemm({a.cuda(), 1, e5, {}, false}, {b.cuda(), 1, e4, {}, false});
  EXPECT_TRUE(r.tensor_cores);
  expect_close(r.y, at::mm(reference_dequantised(a, e5, {}), reference_dequantised(b, e4, {}).t()),
               at::mm(reference_dequantised(a, e5, {}).abs(), reference_dequantised(b, e4, {}).abs().t()));
}

}  // namespace
}  // namespace lps
