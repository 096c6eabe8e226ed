// The kernels' branch-free E2M1 encoders (kernels/device/e2m1_codec.h) against the reference codecs of
// lib/quant, on the host: every FP32 value on a dense stride over [0, 8], every value within 8 ulps of each
// grid point and each tie, subnormals, huge values, ±inf and negative values — RTN, and SR at the uniforms
// just below, at and above each value's rounding threshold. (An exhaustive run over all 2^31 non-negative
// floats found no difference either; it takes minutes, so the test strides.)
#include "../../kernels/device/e2m1_codec.h"

#include <lps/quant/fp_formats.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

namespace lps::kernels::e2m1 {
namespace {

std::vector<float> test_values() {
  std::vector<float> v;
  const uint32_t eight = bits_of(8.0f);
  for (uint32_t b = 0; b <= eight; b += 997) v.push_back(float_of(b));  // dense stride over [0, 8]
  const float anchors[] = {0.0f,  0.25f, 0.5f, 0.75f, 1.0f, 1.25f, 1.5f, 1.75f, 2.0f,  2.5f,
                           3.0f,  3.5f,  4.0f, 5.0f,  6.0f, 7.0f,  8.0f, 12.0f, 1e30f, 3.4e38f};
  for (float a : anchors) {
    float lo = a;
    float hi = a;
    v.push_back(a);
    for (int i = 0; i < 8; ++i) {
      lo = std::nextafter(lo, 0.0f);
      hi = std::nextafter(hi, INFINITY);
      v.push_back(lo);
      v.push_back(hi);
    }
  }
  v.push_back(float_of(1u));           // smallest subnormal
  v.push_back(float_of(0x007FFFFFu));  // largest subnormal
  v.push_back(INFINITY);
  const size_t n = v.size();
  for (size_t i = 0; i < n; ++i) v.push_back(-v[i]);
  return v;
}

TEST(E2m1Codec, RoundToNearestEvenMatchesTheReference) {
  for (float y : test_values()) {
    EXPECT_EQ(encode_rtn(y), quant::e2m1_encode_rtn(y)) << "y = " << y << " (bits 0x" << std::hex << bits_of(y) << ")";
  }
}

TEST(E2m1Codec, StochasticRoundingMatchesTheReferenceAroundEachThreshold) {
  for (float y : test_values()) {
    const float a = std::fabs(y);
    std::vector<uint32_t> u24s = {0u, 1u, 0x400000u, 0x7FFFFFu, 0x800000u, 0xFFFFFFu};
    if (a < 6.0f) {
      // p·2^24 of this value: the reference rounds up iff u24 < p·2^24.
      const int e = std::max(static_cast<int>(bits_of(a) >> 23), 127);
      const double step = std::ldexp(1.0, e - 128);
      const double p = (a - std::floor(a / step) * step) / step;
      const auto t = static_cast<int64_t>(std::floor(p * 16777216.0));
      for (int64_t d = -2; d <= 2; ++d)
        if (t + d >= 0 && t + d < (1 << 24)) u24s.push_back(static_cast<uint32_t>(t + d));
    }
    for (uint32_t u24 : u24s) {
      EXPECT_EQ(encode_sr(y, static_cast<float>(u24) * 0x1p-24f), quant::e2m1_encode_sr(y, u24))
          << "y = " << y << ", u24 = " << u24;
    }
  }
}

}  // namespace
}  // namespace lps::kernels::e2m1
