#include <gtest/gtest.h>
#include <lps/quant/block_layout.h>
#include <lps/quant/counter_rng.h>
#include <lps/quant/fp_formats.h>
#include <lps/quant/hadamard.h>
#include <lps/quant/quantizer.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace lps::quant {
namespace {

OperandQuant make(Format f, ScaleRule s, Rounding r = Rounding::kRtn, int hadamard = 0, bool signs = false) {
  OperandQuant q;
  q.format = f;
  q.scale = s;
  q.rounding = r;
  q.hadamard = hadamard;
  q.random_signs = signs;
  return q;
}

StridedMatrix view(const std::vector<float>& v, int64_t rows, int64_t k) {
  return {v.data(), rows, k, k, 1};
}

QuantizedMatrix run(const std::vector<float>& v, int64_t rows, int64_t k, const OperandQuant& q,
                    uint64_t sr_key = 1, uint64_t sign_key = 2) {
  QuantizeOptions o;
  o.quant = q;
  o.sr_key = sr_key;
  o.sign_key = sign_key;
  o.want_mask = true;
  return quantize_ref(view(v, rows, k), o);
}

std::vector<float> dequant(const QuantizedMatrix& q, bool factor = true) {
  std::vector<float> out(static_cast<size_t>(q.rows * q.k));
  dequantize_ref(q, out.data(), factor);
  return out;
}

std::vector<float> gaussian(size_t n, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<float> d;
  std::vector<float> v(n);
  for (float& x : v) x = d(gen);
  return v;
}

TEST(Quantizer, Mxfp4AbsmaxScaleIsTheOcpExponent) {
  std::vector<float> v(32, 0.1f);
  v[3] = -5.0f;  // amax 5 = 1.25·2^2 -> scale 2^0, code 127
  const auto q = run(v, 1, 32, make(Format::kMxfp4, ScaleRule::kAbsmax));
  EXPECT_EQ(q.scales[0], 127);
  EXPECT_EQ(dequant(q)[3], -4.0f) << "5 rounds to the tie-even 4";
  v[3] = 7.5f;  // 7.5/2^0 saturates to 6
  EXPECT_EQ(dequant(run(v, 1, 32, make(Format::kMxfp4, ScaleRule::kAbsmax)))[3], 6.0f);
  EXPECT_EQ(run(v, 1, 32, make(Format::kMxfp4, ScaleRule::kAbsmax)).mask[3], 0) << "clipped -> untrusted";
}

TEST(Quantizer, Absmax34NeverClipsAndCarriesTheFourThirdsFactor) {
  const auto v = gaussian(32 * 256, 3);
  const auto q = run(v, 256, 32, make(Format::kMxfp4, ScaleRule::kAbsmax34));
  EXPECT_FLOAT_EQ(q.factor, 4.0f / 3.0f);
  for (size_t i = 0; i < v.size(); ++i) ASSERT_EQ(q.mask[i], 1) << i;
  const auto d = dequant(q);
  for (size_t g = 0; g < 256; ++g) {
    float amax = 0;
    for (size_t i = g * 32; i < g * 32 + 32; ++i) amax = std::max(amax, std::fabs(v[i]));
    // Effective scale amax/(3m) with m in [1, 2): the grid spacing is at most 2 scale units, the error one.
    for (size_t i = g * 32; i < g * 32 + 32; ++i) ASSERT_LE(std::fabs(d[i] - v[i]), amax / 3.0f) << i;
  }
}

TEST(Quantizer, QuestRoundsTheGaussianScaleToTheNearestPowerOfTwo) {
  // Constant magnitude 1: rms 1, t = 0.48707976 = 1.948·2^-2 -> nearest power of two 2^-1 (floor 2^-2).
  std::vector<float> v(32, 1.0f);
  for (size_t i = 0; i < v.size(); i += 2) v[i] = -1.0f;
  EXPECT_EQ(run(v, 1, 32, make(Format::kMxfp4, ScaleRule::kQuest)).scales[0], 127 - 1);
  EXPECT_EQ(run(v, 1, 32, make(Format::kMxfp4, ScaleRule::kQuestFloor)).scales[0], 127 - 2);
  const auto fp32 = run(v, 1, 32, make(Format::kMxfp4, ScaleRule::kQuestFp32));
  EXPECT_FLOAT_EQ(fp32.fp32_scales[0], kQuestGaussianScale);
  // Magnitude 1.3: t = 0.6332 = 1.266·2^-1 -> nearest 2^-1.
  for (float& x : v) x = std::copysign(1.3f, x);
  EXPECT_EQ(run(v, 1, 32, make(Format::kMxfp4, ScaleRule::kQuest)).scales[0], 127 - 1);
}

TEST(Quantizer, QuestTrustMaskMarksClippedValues) {
  std::vector<float> v(32, 0.5f);
  v[7] = 40.0f;  // rms ≈ 7.1, scale 2^2 (nearest of 3.47): 40/4 = 10 > 6
  OperandQuant q = make(Format::kMxfp4, ScaleRule::kQuest);
  q.trust_mask = true;
  const auto r = run(v, 1, 32, q);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(r.mask[static_cast<size_t>(i)], i == 7 ? 0 : 1) << i;
  EXPECT_EQ(dequant(r)[7], 24.0f);
}

TEST(Quantizer, ZeroGroupsAreZeroWithTheSmallestScale) {
  const std::vector<float> z(64, 0.0f);
  for (ScaleRule s : {ScaleRule::kAbsmax, ScaleRule::kAbsmax34, ScaleRule::kQuest, ScaleRule::kQuestFp32}) {
    const auto q = run(z, 2, 32, make(Format::kMxfp4, s));
    for (float d : dequant(q)) EXPECT_EQ(d, 0.0f);
    if (s != ScaleRule::kQuestFp32) {
      EXPECT_EQ(q.scales[0], 0);
    }
  }
  for (ScaleRule s : {ScaleRule::kAbsmax, ScaleRule::kFourOverSix, ScaleRule::kMsEden}) {
    const auto q = run(z, 2, 32, make(Format::kNvfp4, s));
    for (float d : dequant(q)) EXPECT_EQ(d, 0.0f);
    EXPECT_EQ(q.scales[0], 0);
  }
}

TEST(Quantizer, NanOrInfPoisonsOnlyItsGroup) {
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    auto v = gaussian(64, 5);
    v[40] = bad;
    const auto mx = dequant(run(v, 1, 64, make(Format::kMxfp4, ScaleRule::kAbsmax)));
    for (int i = 0; i < 64; ++i) EXPECT_EQ(std::isnan(mx[static_cast<size_t>(i)]), i >= 32) << i;
    const auto nvq = run(v, 1, 64, make(Format::kNvfp4, ScaleRule::kAbsmax));
    EXPECT_EQ(nvq.scales[2], kE4M3NaN);
    const auto nv = dequant(nvq);
    for (int i = 0; i < 64; ++i) EXPECT_EQ(std::isnan(nv[static_cast<size_t>(i)]), i >= 32 && i < 48) << i;
    EXPECT_GT(nvq.tensor_scale, 0.0f) << "non-finite values stay out of the tensor amax";
  }
}

TEST(Quantizer, HugeAndSubnormalValuesStayDefined) {
  std::vector<float> v(32, 1e-42f);  // FP32 subnormals
  auto q = run(v, 1, 32, make(Format::kMxfp4, ScaleRule::kAbsmax));
  EXPECT_EQ(q.scales[0], 0);
  for (float d : dequant(q)) EXPECT_TRUE(std::isfinite(d));
  std::fill(v.begin(), v.end(), 3e38f);
  q = run(v, 1, 32, make(Format::kMxfp4, ScaleRule::kAbsmax));
  EXPECT_EQ(q.scales[0], 252);  // 3e38 = 1.76·2^127 -> 2^125
  for (float d : dequant(q)) EXPECT_EQ(d, 6.0f * std::ldexp(1.0f, 125)) << "7.05·2^125 saturates at 6·2^125";
  q = run(v, 1, 32, make(Format::kMxfp4, ScaleRule::kQuest));  // v·v overflows: scale clamps at 2^127
  EXPECT_EQ(q.scales[0], 254);
  EXPECT_EQ(q.code(0, 0), 4) << "3e38/2^127 = 1.76 rounds to 2 (whose dequantised value overflows to inf)";
}

TEST(Quantizer, TransposedStridesMatchTheContiguousCopy) {
  // A [K=64, rows=8] buffer quantized along its first dimension equals its transpose quantized along rows.
  const int64_t k = 64, rows = 8;
  const auto buf = gaussian(static_cast<size_t>(k * rows), 9);
  std::vector<float> t(buf.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < k; ++j)
      t[static_cast<size_t>(r * k + j)] = buf[static_cast<size_t>(j * rows + r)];
  for (const OperandQuant& q : {make(Format::kMxfp4, ScaleRule::kAbsmax34, Rounding::kSr, 32, true),
                                make(Format::kNvfp4, ScaleRule::kMsEden, Rounding::kRtn, 64, true),
                                make(Format::kFp8E5M2, ScaleRule::kAbsmax, Rounding::kSr)}) {
    QuantizeOptions o;
    o.quant = q;
    o.sr_key = 11;
    o.sign_key = 12;
    const auto a = quantize_ref(StridedMatrix{buf.data(), rows, k, 1, rows}, o);
    const auto b = quantize_ref(view(t, rows, k), o);
    EXPECT_EQ(a.codes, b.codes) << to_string(q.format);
    EXPECT_EQ(a.scales, b.scales);
    EXPECT_EQ(a.tensor_scale, b.tensor_scale);
  }
}

TEST(Quantizer, HadamardRotationIsWhatGetsQuantized) {
  const auto v = gaussian(128, 13);
  const OperandQuant q = make(Format::kMxfp4, ScaleRule::kAbsmax, Rounding::kRtn, 32, true);
  auto rotated = v;
  rotate_row_ref(rotated.data(), 128, q, 2);
  const auto a = run(v, 1, 128, q, 1, 2);
  const auto b = run(rotated, 1, 128, make(Format::kMxfp4, ScaleRule::kAbsmax), 1, 2);
  EXPECT_EQ(a.codes, b.codes);
  EXPECT_EQ(a.scales, b.scales);
  // The sign key changes the rotation.
  EXPECT_NE(run(v, 1, 128, q, 1, 3).codes, a.codes);
}

TEST(Quantizer, FourOverSixPicksTheLowerErrorScale) {
  // Values {4, 0.5} fit the 4-grid exactly (scale amax/4 = 1); on the 6-grid (scale 4/6) 0.5 -> 0.75 ties
  // to 1.
  std::vector<float> v(16, 0.5f);
  v[0] = 4.0f;
  QuantizeOptions o;
  o.quant = make(Format::kNvfp4, ScaleRule::kFourOverSix);
  o.tensor_amax = 10.5f;  // T = 1/256: amax/4 -> 256 is exact in E4M3 (with A = 4 it would saturate at 448)
  const auto d = dequant(quantize_ref(view(v, 1, 16), o));
  for (int i = 0; i < 16; ++i) EXPECT_NEAR(d[static_cast<size_t>(i)], v[static_cast<size_t>(i)], 1e-6f) << i;
  o.quant = make(Format::kNvfp4, ScaleRule::kAbsmax);
  const auto six = dequant(quantize_ref(view(v, 1, 16), o));
  double e6 = 0;
  for (int i = 0; i < 16; ++i) e6 += std::pow(six[static_cast<size_t>(i)] - v[static_cast<size_t>(i)], 2);
  EXPECT_GT(e6, 1e-3);
}

TEST(Quantizer, Nvfp4TensorScaleComesFromTheTensorAmax) {
  auto v = gaussian(64, 17);
  v[10] = 20.0f;
  const auto q = run(v, 2, 32, make(Format::kNvfp4, ScaleRule::kAbsmax));
  EXPECT_FLOAT_EQ(q.tensor_scale, 20.0f / 2688.0f);
  EXPECT_EQ(e4m3_decode(q.scales[0]), 448.0f) << "the block holding the tensor amax gets the top scale";
  QuantizeOptions o;
  o.quant = make(Format::kNvfp4, ScaleRule::kAbsmax);
  o.tensor_amax = 40.0f;
  EXPECT_FLOAT_EQ(quantize_ref(view(v, 2, 32), o).tensor_scale, 40.0f / 2688.0f);
}

TEST(Quantizer, Fp8TensorwiseMapsTheAmaxToTheFormatMax) {
  auto v = gaussian(256, 19);
  v[5] = -8.0f;
  const auto q = run(v, 4, 64, make(Format::kFp8E4M3, ScaleRule::kAbsmax));
  EXPECT_EQ(q.code(0, 5), 0xFE) << "-448";
  EXPECT_FLOAT_EQ(q.tensor_scale, 8.0f / 448.0f);
  const auto d = dequant(q);
  for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(d[i], v[i], std::fabs(v[i]) / 16 + 1e-3) << i;
}

TEST(Quantizer, PacksTwoCodesPerByteLowNibbleFirstAndRepacksIntoBlocks) {
  std::vector<float> v(64, 0.0f);
  v[0] = 6.0f;   // code 7
  v[1] = -1.0f;  // code 0xA
  const auto q = run(v, 1, 64, make(Format::kMxfp4, ScaleRule::kAbsmax));
  EXPECT_EQ(q.codes[0], 0xA7);
  EXPECT_EQ(q.code(0, 0), 7);
  EXPECT_EQ(q.code(0, 1), 0xA);
  const auto blocks = to_mxfp4_blocks(q);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].qs[0], 0xA7);
  EXPECT_EQ(blocks[0].e, q.scales[0]);
  const auto nv = to_nvfp4_blocks(run(v, 1, 64, make(Format::kNvfp4, ScaleRule::kAbsmax)));
  EXPECT_EQ(nv.size(), 4u);
}

TEST(Quantizer, RejectsInvalidSpecsAndShapes) {
  const std::vector<float> v(48, 1.0f);
  EXPECT_THROW((void)run(v, 1, 48, make(Format::kMxfp4, ScaleRule::kAbsmax)), std::exception) << "K % 32";
  EXPECT_THROW((void)run(v, 3, 16, make(Format::kMxfp4, ScaleRule::kMsEden)), std::exception);
  EXPECT_THROW((void)run(v, 3, 16, make(Format::kBf16, ScaleRule::kAbsmax)), std::exception);
}

TEST(Quantizer, StochasticRoundingIsDeterministicPerKey) {
  const auto v = gaussian(256, 23);
  const OperandQuant q = make(Format::kMxfp4, ScaleRule::kAbsmax34, Rounding::kSr);
  EXPECT_EQ(run(v, 8, 32, q, 5).codes, run(v, 8, 32, q, 5).codes);
  EXPECT_NE(run(v, 8, 32, q, 5).codes, run(v, 8, 32, q, 6).codes);
}

}  // namespace
}  // namespace lps::quant
