#include <gtest/gtest.h>
#include <lps/quant/fp_formats.h>

#include <cmath>
#include <limits>
#include <vector>

namespace lps::quant {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

TEST(E2M1, EveryCodeRoundTrips) {
  for (int c = 0; c < 16; ++c) {
    const float v = e2m1_decode(static_cast<uint8_t>(c));
    EXPECT_EQ(e2m1_encode_rtn(v), c) << "code " << c << " value " << v;
    EXPECT_EQ(e2m1_encode_sr(v, 0), c) << "SR of a grid value never moves it, code " << c;
    EXPECT_EQ(std::fabs(v), kE2M1Values[c & 7]);
    EXPECT_EQ(std::signbit(v), c >= 8);
  }
}

TEST(E2M1, TiesGoToTheEvenCode) {
  const std::vector<std::pair<float, float>> ties = {
      {0.25f, 0.0f}, {0.75f, 1.0f}, {1.25f, 1.0f}, {1.75f, 2.0f}, {2.5f, 2.0f}, {3.5f, 4.0f}, {5.0f, 4.0f}};
  for (const auto& [x, want] : ties) {
    EXPECT_EQ(e2m1_decode(e2m1_encode_rtn(x)), want) << x;
    EXPECT_EQ(e2m1_decode(e2m1_encode_rtn(-x)), -want) << -x;
    EXPECT_EQ(e2m1_decode(e2m1_encode_rtn(std::nextafter(x, 10.0f))), e2m1_decode(e2m1_encode_rtn(x + 0.2f)))
        << "just above the tie " << x;
  }
}

TEST(E2M1, SaturatesAndDefinesSpecialValues) {
  EXPECT_EQ(e2m1_decode(e2m1_encode_rtn(100.0f)), 6.0f);
  EXPECT_EQ(e2m1_decode(e2m1_encode_rtn(-kInf)), -6.0f);
  EXPECT_EQ(e2m1_encode_rtn(kNaN), 0);
  EXPECT_EQ(e2m1_encode_rtn(-0.0f), 8) << "negative zero keeps its sign";
  EXPECT_EQ(e2m1_encode_rtn(-0.1f), 8);
  EXPECT_EQ(e2m1_encode_rtn(1e-40f), 0) << "FP32 subnormals round to zero";
}

// Nearest grid value by brute force; ties to the even code.
uint8_t brute_rtn(float x, float (*decode)(uint8_t), int n_codes, uint8_t skip_a, uint8_t skip_b, float max) {
  const float a = std::fmin(std::fabs(x), max);
  int best = -1;
  float best_d = kInf;
  for (int c = 0; c < n_codes / 2; ++c) {
    if (c == skip_a || c == skip_b) continue;
    const float d = std::fabs(decode(static_cast<uint8_t>(c)) - a);
    if (d < best_d || (d == best_d && c % 2 == 0)) {
      best = c;
      best_d = d;
    }
  }
  return static_cast<uint8_t>(best | (std::signbit(x) ? n_codes / 2 : 0));
}

TEST(E4M3, EveryCodeRoundTripsAndSpecialsAreDefined) {
  for (int c = 0; c < 256; ++c) {
    if ((c & 0x7F) == 0x7F) {
      EXPECT_TRUE(std::isnan(e4m3_decode(static_cast<uint8_t>(c))));
      continue;
    }
    const float v = e4m3_decode(static_cast<uint8_t>(c));
    EXPECT_EQ(e4m3_encode_rtn(v), c) << "code " << c << " value " << v;
  }
  EXPECT_EQ(e4m3_decode(0x7E), 448.0f);
  EXPECT_EQ(e4m3_decode(0x01), std::ldexp(1.0f, -9)) << "smallest subnormal";
  EXPECT_EQ(e4m3_encode_rtn(kNaN), kE4M3NaN);
  EXPECT_EQ(e4m3_encode_rtn(kInf), 0x7E) << "satfinite: inf saturates";
  EXPECT_EQ(e4m3_encode_rtn(-kInf), 0xFE);
  EXPECT_EQ(e4m3_encode_rtn(470.0f), 0x7E);
  EXPECT_EQ(e4m3_encode_rtn(-0.0f), 0x80);
}

TEST(E4M3, RoundToNearestEvenMatchesBruteForceAtEveryMidpoint) {
  for (int c = 0; c < 0x7E; ++c) {
    const float lo = e4m3_decode(static_cast<uint8_t>(c));
    const float hi = e4m3_decode(static_cast<uint8_t>(c + 1));
    const float mid = 0.5f * (lo + hi);
    for (float x : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, kInf), -mid}) {
      EXPECT_EQ(e4m3_encode_rtn(x), brute_rtn(x, e4m3_decode, 256, 0x7F, 0x7F, 448.0f)) << "x = " << x;
    }
  }
}

TEST(E5M2, EveryCodeRoundTripsAndSpecialsAreDefined) {
  for (int c = 0; c < 256; ++c) {
    const float v = e5m2_decode(static_cast<uint8_t>(c));
    if ((c & 0x7F) > 0x7C) {
      EXPECT_TRUE(std::isnan(v));
      continue;
    }
    if ((c & 0x7F) == 0x7C) {
      EXPECT_TRUE(std::isinf(v));
      continue;
    }
    EXPECT_EQ(e5m2_encode_rtn(v), c) << "code " << c << " value " << v;
  }
  EXPECT_EQ(e5m2_decode(0x7B), kE5M2Max);
  EXPECT_EQ(e5m2_encode_rtn(kInf), 0x7B) << "satfinite: inf saturates to the max";
  EXPECT_EQ(e5m2_encode_rtn(kNaN), kE5M2NaN);
  EXPECT_EQ(e5m2_decode(0x01), std::ldexp(1.0f, -16));
}

TEST(E5M2, RoundToNearestEvenMatchesBruteForceAtEveryMidpoint) {
  for (int c = 0; c < 0x7B; ++c) {
    const float lo = e5m2_decode(static_cast<uint8_t>(c));
    const float hi = e5m2_decode(static_cast<uint8_t>(c + 1));
    const float mid = 0.5f * (lo + hi);
    for (float x : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, kInf), -mid})
      EXPECT_EQ(e5m2_encode_rtn(x), brute_rtn(x, e5m2_decode, 256, 0x7C, 0x7C, kE5M2Max)) << "x = " << x;
  }
}

TEST(E8M0, EveryCodeIsAPowerOfTwo) {
  for (int c = 0; c < 255; ++c) {
    EXPECT_EQ(e8m0_decode(static_cast<uint8_t>(c)), std::ldexp(1.0f, c - 127)) << c;
    EXPECT_EQ(e8m0_from_exponent(c - 127), c);
  }
  EXPECT_TRUE(std::isnan(e8m0_decode(kE8M0NaN)));
  EXPECT_EQ(e8m0_from_exponent(-500), 0);
  EXPECT_EQ(e8m0_from_exponent(500), 254);
}

TEST(StochasticRounding, RoundsUpForExactlyTheFractionOfUniforms) {
  // 2.25 lies a quarter of the way from 2 to 3: exactly 1/4 of the 2^24 uniforms round it up.
  int up = 0;
  const int n = 1 << 12;
  for (int i = 0; i < n; ++i) {
    const auto u24 = static_cast<uint32_t>(i) << 12;
    if (e2m1_decode(e2m1_encode_sr(2.25f, u24)) == 3.0f)
      ++up;
    else
      EXPECT_EQ(e2m1_decode(e2m1_encode_sr(2.25f, u24)), 2.0f);
  }
  EXPECT_EQ(up, n / 4);
  EXPECT_EQ(e2m1_decode(e2m1_encode_sr(-0.3f, 0)), -0.5f) << "u = 0 < p rounds away from zero";
  EXPECT_EQ(e2m1_decode(e2m1_encode_sr(7.0f, 0)), 6.0f) << "saturates without drawing";
  // E4M3: 1.0625 is halfway between 1 and 1.125.
  EXPECT_EQ(e4m3_decode(e4m3_encode_sr(1.0625f, (1u << 23) - 1)), 1.125f);
  EXPECT_EQ(e4m3_decode(e4m3_encode_sr(1.0625f, 1u << 23)), 1.0f);
}

}  // namespace
}  // namespace lps::quant
