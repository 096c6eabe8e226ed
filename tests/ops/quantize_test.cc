// quantize_dequantize on CPU is the reference; the torch emulation (the CUDA fallback) follows it.
#include <gtest/gtest.h>
#include <lps/ops/quantize.h>
#include <lps/quant/quantizer.h>
#include <torch/torch.h>

namespace lps::ops {
namespace {

quant::OperandQuant make(quant::Format f, quant::ScaleRule s, quant::Rounding r = quant::Rounding::kRtn,
                         int hadamard = 0, bool signs = false) {
  quant::OperandQuant q;
  q.format = f;
  q.scale = s;
  q.rounding = r;
  q.hadamard = hadamard;
  q.random_signs = signs;
  return q;
}

std::vector<quant::OperandQuant> all_rules() {
  using quant::Format;
  using quant::Rounding;
  using quant::ScaleRule;
  return {make(Format::kMxfp4, ScaleRule::kAbsmax),
          make(Format::kMxfp4, ScaleRule::kAbsmax34, Rounding::kSr, 32, true),
          make(Format::kMxfp4, ScaleRule::kQuest, Rounding::kRtn, 32),
          make(Format::kMxfp4, ScaleRule::kQuestFloor),
          make(Format::kMxfp4, ScaleRule::kQuestFp32),
          make(Format::kNvfp4, ScaleRule::kAbsmax),
          make(Format::kNvfp4, ScaleRule::kAbsmax, Rounding::kSr),
          make(Format::kNvfp4, ScaleRule::kFourOverSix),
          make(Format::kNvfp4, ScaleRule::kMsEden, Rounding::kRtn, 128, true),
          make(Format::kFp8E4M3, ScaleRule::kAbsmax),
          make(Format::kFp8E5M2, ScaleRule::kAbsmax, Rounding::kSr)};
}

TEST(Quantize, CpuPathIsTheReferenceAlongEitherDimension) {
  torch::manual_seed(0);
  const at::Tensor x = torch::randn({64, 128});
  const QuantKeys keys{11, 12};
  for (const auto& q : all_rules()) {
    const FakeQuant rows = quantize_dequantize(x, q, 1, keys, true);
    const FakeQuant cols =
        quantize_dequantize(x.t(), q, 0, keys, true);  // same logical operand, transposed view
    EXPECT_TRUE(torch::equal(rows.values, cols.values.t())) << quant::to_string(q.scale);
    EXPECT_TRUE(torch::equal(rows.mask, cols.mask.t()));
    // Against quantize_ref directly.
    quant::QuantizeOptions o;
    o.quant = q;
    o.sr_key = keys.sr;
    o.sign_key = keys.signs;
    const at::Tensor xc = x.contiguous();
    const auto qm = quant::quantize_ref({xc.data_ptr<float>(), 64, 128, 128, 1}, o);
    at::Tensor ref = at::empty({64, 128});
    quant::dequantize_ref(qm, ref.data_ptr<float>(), false);
    EXPECT_TRUE(torch::equal(rows.values, ref))
        << quant::to_string(q.format) << " " << quant::to_string(q.scale);
  }
}

TEST(Quantize, TorchEmulationFollowsTheReference) {
  torch::manual_seed(1);
  const at::Tensor x = torch::randn({96, 256}) * 3.0;
  const QuantKeys keys{21, 22};
  for (const auto& q : all_rules()) {
    const FakeQuant ref = quantize_dequantize(x, q, 1, keys, true);
    const FakeQuant emu = quantize_dequantize_torch(x, q, 1, keys, true);
    // Elements that differ beyond FP32 last-place noise in the scale (e.g. the FP32 QuEST scale, FP8's
    // 1/enc).
    const at::Tensor off = (ref.values - emu.values).abs() > ref.values.abs() * 1e-5 + 1e-7;
    const double differ = off.to(at::kDouble).mean().item<double>();
    const double scale = ref.values.abs().max().item<double>();
    const double max_diff = (ref.values - emu.values).abs().max().item<double>();
    // Rotations and scale arithmetic differ in FP32 operation order only: rare values cross a rounding
    // boundary (by one grid step at most).
    EXPECT_LT(differ, 2e-3) << quant::to_string(q.format) << " " << quant::to_string(q.scale) << " differ "
                            << differ;
    EXPECT_LT(max_diff, 0.35 * scale) << quant::to_string(q.scale);
    EXPECT_LT((ref.mask != emu.mask).to(at::kDouble).mean().item<double>(), 2e-3);
  }
}

TEST(Quantize, RotateAndUnrotateAreInverse) {
  const at::Tensor x = torch::randn({8, 256});
  const auto q = make(quant::Format::kMxfp4, quant::ScaleRule::kAbsmax, quant::Rounding::kRtn, 64, true);
  const QuantKeys keys{1, 99};
  EXPECT_TRUE(torch::allclose(unrotate(rotate(x, q, 1, keys), q, 1, keys), x, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(rotate(x.t(), q, 0, keys), rotate(x, q, 1, keys).t(), 1e-6, 1e-6));
}

TEST(Quantize, CountsCpuCallsAndRejectsBadInput) {
  reset_quant_dispatch_stats();
  const auto q = make(quant::Format::kMxfp4, quant::ScaleRule::kAbsmax);
  (void)quantize_dequantize(torch::randn({4, 64}), q, 1, {}, false);
  EXPECT_EQ(quant_dispatch_stats().cpu_reference, 1);
  EXPECT_THROW((void)quantize_dequantize(torch::randn({4, 48}), q, 1, {}, false), c10::Error) << "K % 32";
  EXPECT_THROW((void)quantize_dequantize(torch::randn({4, 4, 64}), q, 1, {}, false), c10::Error);
}

}  // namespace
}  // namespace lps::ops
