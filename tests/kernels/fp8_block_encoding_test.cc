// The constants of the MXFP4 → E4M3 1×128 block encoding (kernels/quantize.h), checked against the
// reference codecs: every E2M1 magnitude times 2^(shift − d) is an exact E4M3 value for d up to
// kFp8MaxExactSpan and not beyond, and the largest never exceeds E4M3's max.
#include <lps/kernels/quantize.h>
#include <lps/quant/fp_formats.h>

#include <gtest/gtest.h>

#include <cmath>

namespace lps {
namespace {

bool exact_in_e4m3(float v) { return quant::e4m3_decode(quant::e4m3_encode_rtn(v)) == v; }

TEST(Fp8BlockEncoding, EveryE2m1ValueIsExactInE4m3WithinTheSpan) {
  for (int d = 0; d <= kernels::kFp8MaxExactSpan; ++d) {
    for (int code = 1; code < 8; ++code) {
      const float v = std::ldexp(quant::kE2M1Values[code], kernels::kFp8BlockShift - d);
      EXPECT_TRUE(exact_in_e4m3(v)) << "E2M1 " << quant::kE2M1Values[code] << " at distance " << d;
      EXPECT_TRUE(exact_in_e4m3(-v));
    }
  }
}

TEST(Fp8BlockEncoding, TheSpanLimitIsTight) {
  const float smallest = std::ldexp(quant::kE2M1Values[1], kernels::kFp8BlockShift - kernels::kFp8MaxExactSpan - 1);
  EXPECT_FALSE(exact_in_e4m3(smallest)) << "one binade more would still be exact: raise kFp8MaxExactSpan";
}

TEST(Fp8BlockEncoding, TheLargestValueFitsE4m3) {
  const float largest = std::ldexp(quant::kE2M1Max, kernels::kFp8BlockShift);
  EXPECT_LE(largest, quant::kE4M3Max);
  EXPECT_GT(std::ldexp(quant::kE2M1Max, kernels::kFp8BlockShift + 1), quant::kE4M3Max) << "shift could be larger";
}

}  // namespace
}  // namespace lps
