// The specialised quantizer kernels' table (kernels/device/quantize_variants.h): every operand of every
// preset scheme and every `lpsweep bench kernels` case finds a compile-time-specialised kernel for the
// outputs the ops layer asks for, no two table entries claim the same parameters, other combinations fall
// back to the generic kernel, and the 32-bit position check admits the bench's shapes and refuses the ones
// whose offsets would not fit.
#include "../../kernels/device/quantize_variants.h"

#include <lps/quant/scheme.h>

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>

namespace lps::kernels::variants {
namespace {

QFormat format_of(quant::Format f) {
  switch (f) {
    case quant::Format::kMxfp4: return QFormat::kMxfp4;
    case quant::Format::kNvfp4: return QFormat::kNvfp4;
    case quant::Format::kFp8E4M3: return QFormat::kFp8E4M3;
    case quant::Format::kFp8E5M2: return QFormat::kFp8E5M2;
    default: ADD_FAILURE() << "format without a kernel"; return QFormat::kMxfp4;
  }
}

QScaleRule rule_of(quant::ScaleRule r) {
  switch (r) {
    case quant::ScaleRule::kAbsmax: return QScaleRule::kAbsmax;
    case quant::ScaleRule::kAbsmax34: return QScaleRule::kAbsmax34;
    case quant::ScaleRule::kQuest: return QScaleRule::kQuest;
    case quant::ScaleRule::kQuestFloor: return QScaleRule::kQuestFloor;
    case quant::ScaleRule::kQuestFp32: return QScaleRule::kQuestFp32;
    case quant::ScaleRule::kFourOverSix: return QScaleRule::kFourOverSix;
    case quant::ScaleRule::kMsEden: return QScaleRule::kMsEden;
  }
  return QScaleRule::kAbsmax;
}

uint8_t g_dummy[16];

// What lib/ops/src/cuda_quantize.cc and cuda_gemm.cc pass to quantize() for operand q and output o.
QuantizeParams params_for(const quant::OperandQuant& q, QOutput o, InDType in, bool mask) {
  QuantizeParams p;
  p.in_dtype = in;
  p.rows = 4096;
  p.cols = 4096;
  p.format = format_of(q.format);
  p.rounding = q.rounding == quant::Rounding::kSr ? QRounding::kSr : QRounding::kRtn;
  p.scale_rule = rule_of(q.scale);
  p.hadamard = q.hadamard;
  p.random_signs = q.random_signs;
  p.output = o;
  // cuda_quantize_dequantize: BF16 values where exact (MXFP4 with E8M0 scales), FP32 otherwise.
  const bool bf16_exact = q.format == quant::Format::kMxfp4 && q.scale != quant::ScaleRule::kQuestFp32;
  p.out_dtype = o == QOutput::kDequantized && bf16_exact ? OutDType::kBf16 : OutDType::kF32;
  p.mask = mask ? g_dummy : nullptr;
  return p;
}

std::string describe(const std::string& scheme, int operand, QOutput o, InDType in, bool mask) {
  return scheme + " operand " + std::to_string(operand) + " output " + std::to_string(static_cast<int>(o)) +
         (in == InDType::kBf16 ? " bf16" : " f32") + (mask ? " mask" : "");
}

TEST(QuantizeVariants, EveryPresetOperandHasASpecialisedKernelForTheOutputsTheOpsUse) {
  int checked = 0;
  for (std::string_view name : quant::preset_names()) {
    const quant::Scheme s = *quant::preset_scheme(name);
    for (int i = 0; i < quant::kNumOperands; ++i) {
      const quant::OperandQuant& q = s.operands[static_cast<size_t>(i)];
      if (q.is_identity()) continue;
      std::vector<QOutput> outputs = {QOutput::kPacked, QOutput::kDequantized};
      if (q.format == quant::Format::kMxfp4 && q.scale != quant::ScaleRule::kQuestFp32)
        outputs.push_back(QOutput::kFp8Blocks);
      for (QOutput o : outputs) {
        for (InDType in : {InDType::kBf16, InDType::kF32}) {
          // The trust mask of a forward operand is written when the scheme asks for it.
          const QuantizeParams p = params_for(q, o, in, q.trust_mask);
          EXPECT_GE(find_variant(p), 0) << describe(std::string(name), i, o, in, q.trust_mask);
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(QuantizeVariants, EveryBenchKernelCaseHasASpecialisedKernel) {
  // The quantizer cases of `lpsweep bench kernels` (lib/ops/src/cuda_kernel_bench.cc), BF16 in.
  struct BenchCase {
    quant::Format f;
    quant::Rounding r;
    quant::ScaleRule s;
    int h;
    bool signs;
    QOutput o;
  };
  using F = quant::Format;
  using R = quant::Rounding;
  using S = quant::ScaleRule;
  const BenchCase cases[] = {
      {F::kMxfp4, R::kRtn, S::kAbsmax34, 32, true, QOutput::kPacked},
      {F::kMxfp4, R::kSr, S::kAbsmax34, 32, true, QOutput::kPacked},
      {F::kMxfp4, R::kRtn, S::kQuest, 32, false, QOutput::kPacked},
      {F::kMxfp4, R::kRtn, S::kAbsmax, 128, true, QOutput::kPacked},
      {F::kMxfp4, R::kRtn, S::kQuest, 32, false, QOutput::kFp8Blocks},
      {F::kMxfp4, R::kSr, S::kAbsmax34, 32, true, QOutput::kFp8Blocks},
      {F::kNvfp4, R::kRtn, S::kAbsmax, 0, false, QOutput::kPacked},
      {F::kNvfp4, R::kRtn, S::kFourOverSix, 0, false, QOutput::kPacked},
      {F::kFp8E4M3, R::kRtn, S::kAbsmax, 0, false, QOutput::kPacked},
      {F::kFp8E5M2, R::kSr, S::kAbsmax, 0, false, QOutput::kPacked},
  };
  for (const BenchCase& c : cases) {
    quant::OperandQuant q;
    q.format = c.f;
    q.rounding = c.r;
    q.scale = c.s;
    q.hadamard = c.h;
    q.random_signs = c.signs;
    const QuantizeParams p = params_for(q, c.o, InDType::kBf16, false);
    EXPECT_GE(find_variant(p), 0) << quant::to_string(c.f) << " " << quant::to_string(c.s) << " h" << c.h;
  }
}

TEST(QuantizeVariants, NoTwoEntriesClaimTheSameParameters) {
  std::set<std::tuple<int, int, int, int, bool, int, int, bool, int>> keys;
  for (const QuantVariant& v : kVariants) {
    const int out_dtype = v.output == QOutput::kDequantized ? static_cast<int>(v.out_dtype) : -1;
    const bool inserted =
        keys.insert({static_cast<int>(v.format), static_cast<int>(v.rule), static_cast<int>(v.rounding), v.hadamard,
                     v.signs, static_cast<int>(v.output), out_dtype, v.mask, static_cast<int>(v.in)})
            .second;
    EXPECT_TRUE(inserted) << "duplicate variant: format " << static_cast<int>(v.format) << " rule "
                          << static_cast<int>(v.rule) << " h" << v.hadamard;
  }
  EXPECT_EQ(keys.size(), kNumVariants);
}

TEST(QuantizeVariants, EachEntryIsFoundAtItsOwnIndex) {
  for (size_t i = 0; i < kVariants.size(); ++i) {
    const QuantVariant& v = kVariants[i];
    QuantizeParams p;
    p.format = v.format;
    p.scale_rule = v.rule;
    p.rounding = v.rounding;
    p.hadamard = v.hadamard;
    p.random_signs = v.signs;
    p.output = v.output;
    p.out_dtype = v.out_dtype;
    p.mask = v.mask ? g_dummy : nullptr;
    p.in_dtype = v.in;
    EXPECT_EQ(find_variant(p), static_cast<int>(i));
  }
}

TEST(QuantizeVariants, OtherCombinationsFallBackToTheGenericKernel) {
  quant::OperandQuant q;
  q.format = quant::Format::kMxfp4;
  q.scale = quant::ScaleRule::kQuestFloor;  // in no preset
  q.hadamard = 32;
  EXPECT_EQ(find_variant(params_for(q, QOutput::kPacked, InDType::kBf16, false)), -1);
  q.scale = quant::ScaleRule::kAbsmax34;
  q.random_signs = true;
  q.hadamard = 64;  // quartet's recipe with another block size
  EXPECT_EQ(find_variant(params_for(q, QOutput::kPacked, InDType::kBf16, false)), -1);
  q.hadamard = 32;
  EXPECT_GE(find_variant(params_for(q, QOutput::kPacked, InDType::kBf16, false)), 0);
  // A mask where the table has none, and FP32 dequantised output of MXFP4 (the ops ask for BF16).
  EXPECT_EQ(find_variant(params_for(q, QOutput::kPacked, InDType::kBf16, true)), -1);
  QuantizeParams p = params_for(q, QOutput::kDequantized, InDType::kBf16, false);
  p.out_dtype = OutDType::kF32;
  EXPECT_EQ(find_variant(p), -1);
}

TEST(QuantizeVariants, ThirtyTwoBitPositionsOnlyWhereEveryOffsetFits) {
  const int64_t grid_threads = 132 * 16 * 256;  // the row kernel's cap on an H100
  EXPECT_TRUE(fits_32bit(32768, 4096, grid_threads));
  EXPECT_TRUE(fits_32bit(4096, 32768, grid_threads));
  EXPECT_TRUE(fits_32bit(262144, 4096, grid_threads));  // 2^30 elements
  EXPECT_FALSE(fits_32bit(524288, 4096, grid_threads));  // 2^31 elements
  EXPECT_FALSE(fits_32bit(65536, 65536, 0));
  EXPECT_FALSE(fits_32bit(int64_t{1} << 32, 8, 0));
  // Right at the limit: the padded extent plus the grid step must stay below 2^31.
  const int64_t rows = 16384 - 128;
  const int64_t cols = (kMaxIndex32 - 8 * grid_threads) / 16384 - 128;
  EXPECT_TRUE(fits_32bit(rows, cols, grid_threads));
  EXPECT_FALSE(fits_32bit(rows, cols + 256, grid_threads));
}

}  // namespace
}  // namespace lps::kernels::variants
