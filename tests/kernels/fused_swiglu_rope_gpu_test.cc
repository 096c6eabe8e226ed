// GPU tests of the fused SwiGLU and RoPE kernels (through lib/ops' autograd functions) against their plain C++
// references (kernels/include/lps/kernels/{swiglu,rope}_ref.h) and against the ATen formulas the model used
// before. Skipped without a CUDA device.
#include "fused_test_support.h"

#include <lps/kernels/rope_ref.h>
#include <lps/kernels/swiglu_ref.h>
#include <lps/ops/fused.h>

#include <cmath>

namespace lps {
namespace {

using test::to_floats;

TEST(FusedSwigluGpu, MatchesTheReferenceOnRandomAndLargeGates) {
  LPS_SKIP_WITHOUT_GPU();
  // The kernel and the reference share swiglu_math.h; only exp(−g) differs (CUDA expf vs the host's, ≤ 2 ulp).
  // Tolerances: act and du |Δ| ≤ rel·|ref| + 1e-6·|…|; dg ≤ rel·|ref| + 2e-6·|dact·u|·(1 + |g|) (σ's error is
  // amplified by g in 1 + g·(1 − σ)); rel = 2^-8 for BF16 (one rounding), 1e-6 for FP32.
  for (const auto dtype : {torch::kBFloat16, torch::kFloat32}) {
    for (const int64_t ff : {1792, 100}) {  // the vectorised path (ff % 8 == 0) and the scalar one
      SCOPED_TRACE(std::string(test::dtype_name(dtype)) + " ff " + std::to_string(ff));
      torch::manual_seed(static_cast<uint64_t>(ff));
      const int64_t rows = 33;
      auto gu = torch::randn({rows, 2 * ff}) * 3;
      gu[0].narrow(0, 0, ff).mul_(40);   // gates of ±100: σ saturates, exp(−g) overflows to inf
      gu[1].narrow(0, 0, ff).fill_(-1.278);  // near the minimum of silu, where dsilu ≈ 0
      gu = gu.to(dtype);
      const auto dact = torch::randn({rows, ff}).to(dtype);
      auto gug = gu.cuda().set_requires_grad(true);
      const auto act = ops::fused_swiglu(gug);
      ASSERT_EQ(act.sizes(), (std::vector<int64_t>{rows, ff}));
      const auto dgu = torch::autograd::grad({act}, {gug}, {dact.cuda()})[0];

      const auto gf = to_floats(gu), df = to_floats(dact), got_act = to_floats(act), got_dgu = to_floats(dgu);
      std::vector<float> ref_act(static_cast<size_t>(rows * ff)), ref_dgu(gf.size());
      kernels::ref::swiglu_forward(gf.data(), rows, ff, ref_act.data());
      kernels::ref::swiglu_backward(gf.data(), df.data(), rows, ff, ref_dgu.data());
      const double rel = dtype == torch::kBFloat16 ? 1.0 / 256 : 1e-6;
      int reported = 0;
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < ff; ++j) {
          const double g = gf[r * 2 * ff + j], u = gf[r * 2 * ff + ff + j], d = df[r * ff + j];
          const size_t a = static_cast<size_t>(r * ff + j), ig = static_cast<size_t>(r * 2 * ff + j), iu = ig + ff;
          const bool ok_act = std::fabs(got_act[a] - ref_act[a]) <= rel * std::fabs(ref_act[a]) + 1e-6 * std::fabs(g * u);
          const bool ok_dg = std::fabs(got_dgu[ig] - ref_dgu[ig]) <=
                             rel * std::fabs(ref_dgu[ig]) + 2e-6 * std::fabs(d * u) * (1 + std::fabs(g));
          const bool ok_du = std::fabs(got_dgu[iu] - ref_dgu[iu]) <= rel * std::fabs(ref_dgu[iu]) + 1e-6 * std::fabs(d * g);
          if ((!ok_act || !ok_dg || !ok_du) && reported++ < 3)
            ADD_FAILURE() << "row " << r << " col " << j << " (g " << g << ", u " << u << ", dact " << d << "): act "
                          << got_act[a] << " vs " << ref_act[a] << ", dg " << got_dgu[ig] << " vs " << ref_dgu[ig]
                          << ", du " << got_dgu[iu] << " vs " << ref_dgu[iu];
        }
    }
  }
}

TEST(FusedSwigluGpu, MatchesAtenSiluTimesUpInFp32) {
  LPS_SKIP_WITHOUT_GPU();
  torch::manual_seed(7);
  const auto gu = (torch::randn({64, 2 * 512}) * 2).cuda();
  const auto halves = gu.chunk(2, -1);
  const auto theirs = torch::silu(halves[0]) * halves[1];
  const auto ours = ops::fused_swiglu(gu);
  EXPECT_LE((ours - theirs).abs().max().item<float>(), 1e-5f * (1 + theirs.abs().max().item<float>()));
}

struct RopeCase {
  int64_t B, T, H, hd;
};

TEST(FusedRopeGpu, ForwardAndBackwardMatchTheReferenceBitForBit) {
  LPS_SKIP_WITHOUT_GPU();
  for (const auto dtype : {torch::kBFloat16, torch::kFloat32}) {
    for (const auto c : {RopeCase{2, 7, 3, 16}, RopeCase{1, 64, 5, 128}, RopeCase{3, 5, 2, 2}}) {
      SCOPED_TRACE(std::string(test::dtype_name(dtype)) + " B " + std::to_string(c.B) + " T " + std::to_string(c.T) +
                   " H " + std::to_string(c.H) + " hd " + std::to_string(c.hd));
      torch::manual_seed(static_cast<uint64_t>(c.T * c.hd));
      const auto qkv = torch::randn({c.B, c.T, 3, c.H, c.hd}).to(dtype);
      const auto angles = torch::rand({c.T, c.hd / 2}) * 20;
      const auto cos = angles.cos(), sin = angles.sin();
      std::vector<torch::Tensor> douts;
      for (int i = 0; i < 3; ++i) douts.push_back(torch::randn({c.B, c.T, c.H, c.hd}).to(dtype));

      auto qg = qkv.cuda().set_requires_grad(true);
      const auto out = ops::fused_rope_qkv(qg, cos.cuda(), sin.cuda());
      const auto dqkv =
          torch::autograd::grad({out[0], out[1], out[2]}, {qg}, {douts[0].cuda(), douts[1].cuda(), douts[2].cuda()})[0];

      kernels::RopeShape sh;
      sh.tokens = c.B * c.T;
      sh.seq_len = c.T;
      sh.heads = c.H;
      sh.head_dim = c.hd;
      const auto xf = to_floats(qkv), cf = to_floats(cos), sf = to_floats(sin);
      const size_t n_out = static_cast<size_t>(c.B * c.T * c.H * c.hd);
      std::vector<float> q(n_out), k(n_out), v(n_out), dx(xf.size());
      kernels::ref::rope_qkv_forward(xf.data(), cf.data(), sf.data(), sh, q.data(), k.data(), v.data());
      const auto d0 = to_floats(douts[0]), d1 = to_floats(douts[1]), d2 = to_floats(douts[2]);
      kernels::ref::rope_qkv_backward(d0.data(), d1.data(), d2.data(), cf.data(), sf.data(), sh, dx.data());
      EXPECT_EQ(test::first_bit_difference(to_floats(out[0]), test::stored_as(q, dtype)), "") << "q";
      EXPECT_EQ(test::first_bit_difference(to_floats(out[1]), test::stored_as(k, dtype)), "") << "k";
      EXPECT_EQ(test::first_bit_difference(to_floats(out[2]), test::stored_as(v, dtype)), "") << "v";
      EXPECT_EQ(test::first_bit_difference(to_floats(dqkv), test::stored_as(dx, dtype)), "") << "dqkv";
    }
  }
}

TEST(FusedRopeGpu, MatchesTheModelsAtenRotationInFp32) {
  LPS_SKIP_WITHOUT_GPU();
  torch::manual_seed(8);
  const int64_t B = 2, T = 16, H = 4, hd = 32, half = hd / 2;
  const auto qkv = torch::randn({B, T, 3, H, hd}).cuda();
  const auto angles = torch::rand({T, half}).cuda() * 10;
  const auto cos = angles.cos(), sin = angles.sin();
  const auto out = ops::fused_rope_qkv(qkv, cos, sin);
  // The ATen formula of lib/model (apply_rope) on [B, H, T, hd].
  auto rope = [&](const torch::Tensor& x) {
    const auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
    return torch::cat({x1 * cos - x2 * sin, x2 * cos + x1 * sin}, -1);
  };
  const auto q = rope(qkv.select(2, 0).transpose(1, 2)), k = rope(qkv.select(2, 1).transpose(1, 2));
  EXPECT_LE((out[0].transpose(1, 2) - q).abs().max().item<float>(), 1e-6f * (1 + q.abs().max().item<float>()));
  EXPECT_LE((out[1].transpose(1, 2) - k).abs().max().item<float>(), 1e-6f * (1 + k.abs().max().item<float>()));
  EXPECT_TRUE(torch::equal(out[2].transpose(1, 2), qkv.select(2, 2).transpose(1, 2)));
}

}  // namespace
}  // namespace lps
