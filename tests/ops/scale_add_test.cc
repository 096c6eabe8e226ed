// GPU smoke test: our kernel, launched on a LibTorch CUDA tensor's stream, equals the CPU reference.
#include <lps/ops/device.h>
#include <lps/ops/scale_add.h>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace lps {
namespace {

TEST(ScaleAdd, CpuReferenceComputesAxPlusB) {
  const auto x = torch::arange(0, 8, torch::kFloat);
  const auto y = ops::scale_add(x, 2.0f, -1.0f);
  EXPECT_TRUE(torch::equal(y, x * 2 - 1));
}

TEST(ScaleAdd, RejectsNonFloatInputWithAMessage) {
  EXPECT_THROW((void)ops::scale_add(torch::ones({3}, torch::kInt), 1, 0), c10::Error);
}

TEST(ScaleAddGpu, KernelOnTorchStreamMatchesCpuReferenceBitForBit) {
  if (!ops::cuda_available()) GTEST_SKIP() << "no CUDA device visible (or built without nvcc): GPU smoke test skipped";
  torch::manual_seed(0);
  const auto x = torch::randn({1 << 20}, torch::kFloat);
  const auto expected = ops::scale_add_ref(x, 1.5f, 0.25f);
  const auto got = ops::scale_add(x.cuda(), 1.5f, 0.25f).cpu();
  ASSERT_TRUE(torch::equal(got, expected)) << "max abs diff " << (got - expected).abs().max().item<float>();
}

}  // namespace
}  // namespace lps
