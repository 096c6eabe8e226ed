// The CUDA quantizer against the plain C++ reference, bit for bit: codes, scales, tensor scales, masks
// and dequantised values, over random and adversarial inputs, both axes (rows, and columns through the
// transposing kernel), FP32 and BF16 inputs, contiguous and transposed-view tensors. A failure names the
// case and the first differing index with both values. Skips without a CUDA device.
#include "input_patterns.h"

#include <lps/ops/cuda_quantize.h>
#include <lps/ops/device.h>
#include <lps/quant/counter_rng.h>
#include <lps/quant/quantizer.h>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace lps {
namespace {

using quant::Format;
using quant::OperandQuant;
using quant::Rounding;
using quant::ScaleRule;
using test::Pattern;

constexpr int64_t kRows = 128;
constexpr int64_t kCols = 256;

struct Case {
  std::string name;
  OperandQuant q;
};

OperandQuant make(Format f, Rounding r, ScaleRule s, int h = 0, bool signs = false) {
  OperandQuant q;
  q.format = f;
  q.rounding = r;
  q.scale = s;
  q.hadamard = h;
  q.random_signs = signs;
  return q;
}

std::vector<Case> cases() {
  using F = Format;
  using R = Rounding;
  using S = ScaleRule;
  return {
      {"mxfp4_absmax_rtn", make(F::kMxfp4, R::kRtn, S::kAbsmax)},
      {"mxfp4_absmax_sr", make(F::kMxfp4, R::kSr, S::kAbsmax)},
      {"mxfp4_absmax34_rtn_h32_signs", make(F::kMxfp4, R::kRtn, S::kAbsmax34, 32, true)},
      {"mxfp4_absmax34_sr_h32_signs", make(F::kMxfp4, R::kSr, S::kAbsmax34, 32, true)},
      {"mxfp4_absmax_rtn_h16", make(F::kMxfp4, R::kRtn, S::kAbsmax, 16)},
      {"mxfp4_absmax_rtn_h64_signs", make(F::kMxfp4, R::kRtn, S::kAbsmax, 64, true)},
      {"mxfp4_absmax_sr_h128_signs", make(F::kMxfp4, R::kSr, S::kAbsmax, 128, true)},
      {"mxfp4_quest_h32", make(F::kMxfp4, R::kRtn, S::kQuest, 32)},
      {"mxfp4_quest_floor_h32", make(F::kMxfp4, R::kRtn, S::kQuestFloor, 32)},
      {"mxfp4_quest_fp32_h32", make(F::kMxfp4, R::kRtn, S::kQuestFp32, 32)},
      {"nvfp4_absmax_rtn", make(F::kNvfp4, R::kRtn, S::kAbsmax)},
      {"nvfp4_absmax_sr", make(F::kNvfp4, R::kSr, S::kAbsmax)},
      {"nvfp4_four_over_six", make(F::kNvfp4, R::kRtn, S::kFourOverSix)},
      {"nvfp4_ms_eden_h128_signs", make(F::kNvfp4, R::kRtn, S::kMsEden, 128, true)},
      {"fp8_e4m3_rtn", make(F::kFp8E4M3, R::kRtn, S::kAbsmax)},
      {"fp8_e4m3_sr_h32", make(F::kFp8E4M3, R::kSr, S::kAbsmax, 32)},
      {"fp8_e5m2_rtn", make(F::kFp8E5M2, R::kRtn, S::kAbsmax)},
      {"fp8_e5m2_sr", make(F::kFp8E5M2, R::kSr, S::kAbsmax)},
  };
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0 || (a != a && b != b); }

// Compares two byte arrays; on failure names the first differing index and both values.
testing::AssertionResult equal_bytes(const std::string& what, const uint8_t* got, const uint8_t* want, size_t n,
                                     int64_t row_len) {
  for (size_t i = 0; i < n; ++i) {
    if (got[i] != want[i]) {
      return testing::AssertionFailure() << what << ": first difference at index " << i << " (row "
                                         << static_cast<int64_t>(i) / row_len << ", col " << static_cast<int64_t>(i) % row_len
                                         << "): kernel 0x" << std::hex << int{got[i]} << ", reference 0x" << int{want[i]};
    }
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult equal_floats(const std::string& what, const float* got, const float* want, size_t n,
                                      int64_t row_len) {
  for (size_t i = 0; i < n; ++i) {
    if (!same_bits(got[i], want[i])) {
      return testing::AssertionFailure() << what << ": first difference at index " << i << " (row "
                                         << static_cast<int64_t>(i) / row_len << ", col " << static_cast<int64_t>(i) % row_len
                                         << "): kernel " << got[i] << ", reference " << want[i];
    }
  }
  return testing::AssertionSuccess();
}

std::vector<uint8_t> to_bytes(const at::Tensor& t) {
  const at::Tensor c = t.contiguous().cpu();
  return {c.data_ptr<uint8_t>(), c.data_ptr<uint8_t>() + c.numel()};
}

struct Variant {
  int64_t dim = 1;
  bool bf16 = false;
  bool transposed_view = false;  // quantize x.t() along 1 - dim: the same operand
};

std::string describe(const Case& c, Pattern p, const Variant& v) {
  std::ostringstream s;
  s << c.name << " / " << test::pattern_name(p) << " / dim " << v.dim << (v.bf16 ? " / bf16" : " / f32")
    << (v.transposed_view ? " / transposed view" : "");
  return s.str();
}

// One case: reference on the CPU, kernel on the GPU, everything compared.
void check_case(const Case& c, Pattern pattern, const Variant& v, uint64_t seed) {
  const std::string name = describe(c, pattern, v);
  SCOPED_TRACE(name);
  const auto host = test::make_input(pattern, kRows, kCols, seed);
  at::Tensor x = torch::from_blob(const_cast<float*>(host.data()), {kRows, kCols}, torch::kFloat).clone();
  if (v.bf16) x = x.to(torch::kBFloat16);
  const at::Tensor x_ref = x.to(torch::kFloat).contiguous();  // what the kernel sees, in FP32

  const int64_t K = x.size(v.dim);
  if (K % quant::k_multiple(c.q) != 0) return;
  quant::StridedMatrix m;
  m.data = x_ref.data_ptr<float>();
  m.rows = x.size(1 - v.dim);
  m.k = K;
  m.row_stride = v.dim == 1 ? kCols : 1;
  m.k_stride = v.dim == 1 ? 1 : kCols;
  const ops::QuantKeys keys{quant::derive_key(seed, 3, 11, 0, quant::kStreamSrBase),
                            quant::derive_key(seed, 3, 11, 0, quant::kStreamSignsFwd)};
  quant::QuantizeOptions o;
  o.quant = c.q;
  o.sr_key = keys.sr;
  o.sign_key = keys.signs;
  o.want_mask = true;
  const quant::QuantizedMatrix want = quant::quantize_ref(m, o);

  const at::Tensor xd = x.cuda();
  const at::Tensor x_in = v.transposed_view ? xd.t().contiguous().t() : xd;  // same values, other strides
  const ops::CudaPacked got = ops::cuda_quantize_packed(x_in, c.q, v.dim, keys, /*want_mask=*/true);

  const auto codes = to_bytes(got.codes);
  ASSERT_EQ(codes.size(), want.codes.size());
  const bool fp4 = c.q.format == Format::kMxfp4 || c.q.format == Format::kNvfp4;
  EXPECT_TRUE(equal_bytes("codes", codes.data(), want.codes.data(), codes.size(), fp4 ? K / 2 : K));
  if (fp4) {
    const auto scales = to_bytes(got.scales);
    ASSERT_EQ(scales.size(), want.scales.size());
    EXPECT_TRUE(equal_bytes("scales", scales.data(), want.scales.data(), scales.size(), K / want.group));
  }
  if (c.q.scale == ScaleRule::kQuestFp32) {
    const at::Tensor s = got.fp32_scales.contiguous().cpu();
    ASSERT_EQ(static_cast<size_t>(s.numel()), want.fp32_scales.size());
    EXPECT_TRUE(equal_floats("fp32 scales", s.data_ptr<float>(), want.fp32_scales.data(), want.fp32_scales.size(), K / 32));
  }
  EXPECT_TRUE(same_bits(got.tensor_scale, want.tensor_scale)) << "tensor scale: kernel " << got.tensor_scale
                                                                << ", reference " << want.tensor_scale;
  const auto mask = to_bytes(got.mask);
  ASSERT_EQ(mask.size(), want.mask.size());
  EXPECT_TRUE(equal_bytes("mask", mask.data(), want.mask.data(), mask.size(), K));

  // Dequantised values (the fake-quant contract): shape of x, equal to dequantize_ref without the factor.
  const auto fq = ops::cuda_quantize_dequantize(x_in, c.q, v.dim, keys, true);
  ASSERT_TRUE(fq.has_value()) << "cuda_quantize_dequantize declined a case the kernels cover";
  ASSERT_EQ(fq->values.sizes(), x.sizes());
  std::vector<float> deq(static_cast<size_t>(m.rows * K));
  quant::dequantize_ref(want, deq.data(), false);
  const at::Tensor vals = (v.dim == 1 ? fq->values : fq->values.t()).to(torch::kFloat).contiguous().cpu();
  EXPECT_TRUE(equal_floats("dequantised", vals.data_ptr<float>(), deq.data(), deq.size(), K));
  const auto fmask = to_bytes(v.dim == 1 ? fq->mask : fq->mask.t());
  EXPECT_TRUE(equal_bytes("fake-quant mask", fmask.data(), want.mask.data(), fmask.size(), K));
  EXPECT_EQ(fq->factor, want.factor);
}

class QuantizeKernel : public testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    if (!ops::cuda_available()) GTEST_SKIP() << "no CUDA device visible (or built without nvcc): kernel tests skipped";
  }
};

TEST_P(QuantizeKernel, MatchesReferenceBitForBitOnEveryPatternAxisAndDtype) {
  for (Pattern p : test::all_patterns()) {
    for (int64_t dim : {1, 0}) {
      for (bool bf16 : {false, true}) check_case(GetParam(), p, Variant{dim, bf16, false}, 1);
    }
  }
}

TEST_P(QuantizeKernel, TransposedViewsQuantizeWithoutACopyToTheSameBits) {
  for (int64_t dim : {1, 0}) check_case(GetParam(), Pattern::kGaussian, Variant{dim, true, true}, 2);
}

TEST_P(QuantizeKernel, OtherSeedsDrawOtherBitsAndStillMatch) {
  for (uint64_t seed : {3u, 4u}) check_case(GetParam(), Pattern::kHeavyTail, Variant{1, false, false}, seed);
}

INSTANTIATE_TEST_SUITE_P(AllSchemes, QuantizeKernel, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& param_info) { return param_info.param.name; });

TEST(QuantizeKernelDispatch, DeclinesCasesItDoesNotCoverWithAReason) {
  if (!ops::cuda_available()) GTEST_SKIP() << "no CUDA device visible";
  const auto x = torch::randn({4, 24}, torch::kCUDA);  // K = 24: not a multiple of 32
  OperandQuant q = make(Format::kMxfp4, Rounding::kRtn, ScaleRule::kAbsmax);
  const auto why = ops::cuda_quantize_unsupported(x, q, 1);
  ASSERT_TRUE(why.has_value());
  EXPECT_FALSE(ops::cuda_quantize_dequantize(x, q, 1, {}, false).has_value());
  EXPECT_FALSE(ops::cuda_quantize_unsupported(torch::randn({4, 64}, torch::kCUDA), q, 1).has_value());
}

}  // namespace
}  // namespace lps
