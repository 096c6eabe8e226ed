// GPU tests of the fused cross-entropy and RMSNorm kernels (through lib/ops' autograd functions) against their
// plain C++ references (kernels/include/lps/kernels/{cross_entropy,rms_norm}_ref.h) and against torch.
// Skipped without a CUDA device.
#include "fused_test_support.h"

#include <lps/kernels/cross_entropy_ref.h>
#include <lps/kernels/rms_norm_ref.h>
#include <lps/ops/fused.h>

#include <cmath>
#include <limits>

namespace lps {
namespace {

using test::to_floats;

constexpr double kEps24 = 5.960464477539063e-08;  // 2^-24: FP32's relative rounding

// Rows 0-5 are adversarial: large logits, half -inf (masked), ±1e30, a constant row, a very negative constant
// row, an ignored row; the rest are N(0, 3²).
torch::Tensor adversarial_logits(int64_t rows, int64_t vocab, torch::ScalarType dtype, std::vector<int64_t>& targets) {
  torch::manual_seed(static_cast<uint64_t>(vocab) * 31 + (dtype == torch::kBFloat16 ? 1 : 0));
  auto x = torch::randn({rows, vocab}) * 3;
  const float inf = std::numeric_limits<float>::infinity();
  x[0].mul_(1000);
  x[1].narrow(0, 0, vocab / 2).fill_(-inf);
  x[2] = x[2].sign() * 1e30;
  x[3].fill_(0.5);
  x[4].fill_(-3.0e38);
  targets.assign(static_cast<size_t>(rows), 0);
  for (int64_t r = 0; r < rows; ++r) targets[r] = (r * 7919 + 13) % vocab;
  targets[1] = vocab - 1;  // outside the masked half
  targets[5] = -100;       // ignored
  return x.to(dtype);
}

TEST(FusedCrossEntropyGpu, MatchesTheReferenceOnRandomAndAdversarialRows) {
  LPS_SKIP_WITHOUT_GPU();
  // Tolerances: loss |Δ| ≤ 1e-5·(1 + |loss|) (FP32 sums in another order, CUDA's expf/logf); gradient
  // |Δ| ≤ rel·|ref| + |g|·(4·2^-24·(1 + |lse|)·p + 1e-7), rel = 2^-8 for BF16 (one rounding) or 1e-5 for FP32:
  // the kernel computes exp(x − lse) from an FP32 lse, whose own rounding scales with |lse|.
  for (const auto dtype : {torch::kBFloat16, torch::kFloat32}) {
    for (const int64_t vocab : {32000, 257, 8}) {
      SCOPED_TRACE(std::string(test::dtype_name(dtype)) + " vocab " + std::to_string(vocab));
      const int64_t rows = 12;
      std::vector<int64_t> t;
      const auto x = adversarial_logits(rows, vocab, dtype, t);
      const auto targets = torch::tensor(t, torch::kInt64);
      const auto g = torch::rand({rows}) + 0.5;
      auto xg = x.cuda().set_requires_grad(true);
      const auto loss = ops::fused_cross_entropy_rows(xg, targets.cuda(), -100);
      const auto dx = torch::autograd::grad({loss}, {xg}, {g.cuda()})[0];
      ASSERT_EQ(dx.scalar_type(), dtype);

      const auto xf = to_floats(x), gf = to_floats(g), got_loss = to_floats(loss), got_dx = to_floats(dx);
      std::vector<float> ref_loss(rows), ref_lse(rows);
      kernels::ref::cross_entropy_forward(xf.data(), t.data(), rows, vocab, -100, ref_loss.data(), ref_lse.data());
      const auto ref_dx = kernels::ref::cross_entropy_backward(xf.data(), t.data(), ref_lse.data(), gf.data(), rows,
                                                               vocab, -100);
      const double rel = dtype == torch::kBFloat16 ? 1.0 / 256 : 1e-5;
      for (int64_t r = 0; r < rows; ++r) {
        if (std::isnan(ref_loss[r]) || std::isinf(ref_loss[r])) {
          EXPECT_EQ(std::isnan(got_loss[r]), std::isnan(ref_loss[r])) << "row " << r;
          if (std::isinf(ref_loss[r])) { EXPECT_EQ(got_loss[r], ref_loss[r]) << "row " << r; }
        } else {
          EXPECT_NEAR(got_loss[r], ref_loss[r], 1e-5 * (1 + std::fabs(ref_loss[r]))) << "row " << r;
        }
        int reported = 0;
        for (int64_t j = 0; j < vocab; ++j) {
          const size_t i = static_cast<size_t>(r * vocab + j);
          const double p = std::exp(static_cast<double>(xf[i]) - ref_lse[r]);
          const double tol = rel * std::fabs(ref_dx[i]) +
                             std::fabs(gf[r]) * (4 * kEps24 * (1 + std::fabs(ref_lse[r])) * p + 1e-7);
          if (std::fabs(got_dx[i] - ref_dx[i]) > tol && reported++ < 3)
            ADD_FAILURE() << "dlogits row " << r << " col " << j << ": got " << got_dx[i] << ", expected "
                          << ref_dx[i] << " (tolerance " << tol << ")";
        }
      }
    }
  }
}

TEST(FusedCrossEntropyGpu, MeanLossAndGradientMatchTorchOnBf16Logits) {
  LPS_SKIP_WITHOUT_GPU();
  torch::manual_seed(3);
  const int64_t rows = 256, vocab = 32000;
  const auto x = (torch::randn({rows, vocab}) * 2).to(torch::kBFloat16).cuda();
  const auto targets = torch::randint(0, vocab, {rows}, torch::kInt64).cuda();
  auto ours_in = x.clone().set_requires_grad(true);
  auto torch_in = x.clone().set_requires_grad(true);
  const auto ours = ops::fused_cross_entropy(ours_in, targets);
  const auto theirs = torch::nn::functional::cross_entropy(torch_in.to(torch::kFloat32), targets);
  ours.backward();
  theirs.backward();
  // Loss: FP32 sums in different orders, 1e-5 relative. Gradient: torch rounds its FP32 gradient to BF16 in
  // the cast's backward, we round ours once: they may differ by one BF16 step (2^-8 relative).
  EXPECT_NEAR(ours.item<float>(), theirs.item<float>(), 1e-5 * std::fabs(theirs.item<float>()));
  const auto a = to_floats(ours_in.grad()), b = to_floats(torch_in.grad());
  int reported = 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::fabs(a[i] - b[i]) > std::fabs(b[i]) / 128 + 1e-12 && reported++ < 3)
      ADD_FAILURE() << "index " << i << ": fused " << a[i] << ", torch " << b[i];
}

TEST(FusedCrossEntropyGpu, IgnoredRowsLeaveTheMeanAsTorchComputesIt) {
  LPS_SKIP_WITHOUT_GPU();
  torch::manual_seed(4);
  const auto x = torch::randn({16, 100}).cuda();
  auto targets = torch::randint(0, 100, {16}, torch::kInt64);
  targets.narrow(0, 0, 5).fill_(-100);
  const auto ours = ops::fused_cross_entropy(x, targets.cuda(), -100);
  const auto theirs = torch::nn::functional::cross_entropy(x, targets.cuda());
  EXPECT_NEAR(ours.item<float>(), theirs.item<float>(), 1e-5 * std::fabs(theirs.item<float>()));
}

struct NormCase {
  torch::ScalarType x;
  torch::ScalarType y;
};

// Row 0: tiny values (eps dominates), row 1: zeros, row 2: large (1e15), row 3: mixed scales; rest N(0, 1).
torch::Tensor adversarial_rows(int64_t rows, int64_t dim, uint64_t seed) {
  torch::manual_seed(seed);
  auto x = torch::randn({rows, dim});
  x[0].mul_(1e-20);
  x[1].zero_();
  x[2].mul_(1e15);
  x[3] = x[3] * torch::pow(10.0, torch::arange(dim, torch::kFloat32).remainder(7) - 3);
  return x;
}

TEST(FusedRmsNormGpu, ForwardAndBackwardMatchTheReferenceBitForBit) {
  LPS_SKIP_WITHOUT_GPU();
  for (const auto c : {NormCase{torch::kFloat32, torch::kBFloat16}, NormCase{torch::kFloat32, torch::kFloat32},
                       NormCase{torch::kBFloat16, torch::kBFloat16}}) {
    for (const int64_t dim : {640, 1280, 100, 8}) {
      for (const int64_t rows : {37, 1000}) {
        SCOPED_TRACE(std::string("x ") + test::dtype_name(c.x) + ", y " + test::dtype_name(c.y) + ", dim " +
                     std::to_string(dim) + ", rows " + std::to_string(rows));
        const auto x = adversarial_rows(rows, dim, static_cast<uint64_t>(dim * rows)).to(c.x);
        const auto w = 1 + 0.1 * torch::randn({dim});
        const auto dy = torch::randn({rows, dim}).to(c.y);
        auto xg = x.cuda().set_requires_grad(true);
        auto wg = w.cuda().set_requires_grad(true);
        const auto y = ops::fused_rms_norm(xg, wg, 1e-5, c.y);
        ASSERT_EQ(y.scalar_type(), c.y);
        const auto grads = torch::autograd::grad({y}, {xg, wg}, {dy.cuda()});
        ASSERT_EQ(grads[0].scalar_type(), c.x);

        const auto xf = to_floats(x), wf = to_floats(w), dyf = to_floats(dy);
        std::vector<float> ref_y(xf.size()), rstd(rows), ref_dx(xf.size()), ref_dw(dim);
        kernels::ref::rms_norm_forward(xf.data(), wf.data(), rows, dim, 1e-5f, ref_y.data(), rstd.data());
        kernels::ref::rms_norm_backward(dyf.data(), xf.data(), wf.data(), rstd.data(), rows, dim, ref_dx.data(),
                                        ref_dw.data());
        EXPECT_EQ(test::first_bit_difference(to_floats(y), test::stored_as(ref_y, c.y)), "") << "y";
        EXPECT_EQ(test::first_bit_difference(to_floats(grads[0]), test::stored_as(ref_dx, c.x)), "") << "dx";
        EXPECT_EQ(test::first_bit_difference(to_floats(grads[1]), ref_dw), "") << "dweight";
      }
    }
  }
}

TEST(FusedRmsNormGpu, MatchesAtenRmsNormWithinFp32Rounding) {
  LPS_SKIP_WITHOUT_GPU();
  torch::manual_seed(5);
  const int64_t rows = 512, dim = 1280;
  const auto x = torch::randn({rows, dim}).cuda();
  const auto w = (1 + 0.1 * torch::randn({dim})).cuda();
  const auto ours = ops::fused_rms_norm(x, w, 1e-5, torch::kFloat32);
  const auto theirs = at::rms_norm(x, {dim}, w, 1e-5);
  // Different summation orders: a few FP32 ulps of relative difference.
  EXPECT_LE((ours - theirs).abs().max().item<float>(), 1e-5f * theirs.abs().max().item<float>());
}

TEST(FusedRmsNormGpu, BackwardIsBitIdenticalRunToRun) {
  LPS_SKIP_WITHOUT_GPU();
  torch::manual_seed(6);
  const int64_t rows = 32768, dim = 640;  // the 30M preset's batch of 64 × 512 tokens
  const auto x = torch::randn({rows, dim}).cuda();
  const auto w = (1 + 0.1 * torch::randn({dim})).cuda();
  const auto dy = torch::randn({rows, dim}).to(torch::kBFloat16).cuda();
  auto run = [&] {
    auto xg = x.clone().set_requires_grad(true);
    auto wg = w.clone().set_requires_grad(true);
    const auto y = ops::fused_rms_norm(xg, wg, 1e-5, torch::kBFloat16);
    return torch::autograd::grad({y}, {xg, wg}, {dy});
  };
  const auto a = run(), b = run();
  EXPECT_TRUE(torch::equal(a[0], b[0])) << "dx differs between two identical runs";
  EXPECT_TRUE(torch::equal(a[1], b[1])) << "dweight differs between two identical runs";
}

}  // namespace
}  // namespace lps
