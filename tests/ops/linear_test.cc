// ops::linear: the baseline is at::linear; quantized schemes reshape [..., in] and draw per call.
#include <gtest/gtest.h>
#include <lps/ops/linear.h>
#include <lps/quant/scheme.h>
#include <torch/torch.h>

namespace lps::ops {
namespace {

TEST(Linear, BaselineIsAtLinear) {
  const at::Tensor x = torch::randn({2, 3, 16});
  const at::Tensor w = torch::randn({8, 16});
  EXPECT_TRUE(torch::equal(linear(x, w, *quant::preset_scheme("bf16"), 0), at::linear(x, w)));
}

TEST(Linear, QuantizedSchemesKeepLeadingDimensions) {
  const at::Tensor x = torch::randn({2, 3, 64});
  const at::Tensor w = torch::randn({32, 64});
  set_quant_step(1, 0);
  const at::Tensor y = linear(x, w, *quant::preset_scheme("quartet"), 4);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 3, 32}));
  EXPECT_LT((y - at::linear(x, w)).abs().max().item<float>(),
            0.5f * at::linear(x, w).abs().max().item<float>());
}

TEST(Linear, EachCallOfALayerDrawsAfreshAndAStepResetsTheCount) {
  const quant::Scheme s = *quant::preset_scheme("mxfp4_sr");
  const at::Tensor x = torch::randn({4, 64});
  const at::Tensor w = torch::randn({32, 64});
  set_quant_step(9, 5);
  EXPECT_EQ(quant_seed(), 9u);
  EXPECT_EQ(quant_step(), 5);
  const at::Tensor a = linear(x, w, s, 1);
  const at::Tensor b = linear(x, w, s, 1);
  EXPECT_FALSE(torch::equal(a, b)) << "second call in a step: new stream";
  set_quant_step(9, 5);
  EXPECT_TRUE(torch::equal(linear(x, w, s, 1), a)) << "replaying the step reproduces the bits";
}

TEST(Linear, RejectsMismatchedShapes) {
  EXPECT_THROW((void)linear(torch::randn({4, 10}), torch::randn({8, 16}), *quant::preset_scheme("bf16"), 0),
               c10::Error);
}

}  // namespace
}  // namespace lps::ops
