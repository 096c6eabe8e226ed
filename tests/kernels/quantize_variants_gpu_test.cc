// Every compile-time-specialised quantizer kernel (kernels/device/quantize_variants.h) against the generic
// kernel and the C++ reference: for each table entry, both axes, ragged shapes (idle lanes and partial
// tiles) and every input pattern, the specialised launch and a `force_generic` launch of the same params
// write the same bytes in every output (codes, scales, FP32/E4M3 block scales, inexact count, dequantised
// values, mask, tensor scale), and packed codes, scales and masks equal quantize_ref's. A failure names the
// variant, axis, pattern, output and first differing byte. Skips without a CUDA device.
#include "../../kernels/device/quantize_variants.h"
#include "input_patterns.h"

#include <lps/kernels/quantize.h>
#include <lps/ops/device.h>
#include <lps/quant/counter_rng.h>
#include <lps/quant/quantizer.h>

#include <c10/cuda/CUDAStream.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>
#include <string>
#include <vector>

namespace lps {
namespace {

using kernels::InDType;
using kernels::QAxis;
using kernels::QFormat;
using kernels::QOutput;
using kernels::QScaleRule;
using kernels::QuantizeParams;
using kernels::variants::QuantVariant;

// All outputs of one launch, as device tensors (undefined where the variant writes none).
struct Outputs {
  at::Tensor codes, scales, fp32_scales, scalars, block_scales, inexact, dequantized, mask;
};

bool is_fp4(QFormat f) { return f == QFormat::kMxfp4 || f == QFormat::kNvfp4; }

Outputs launch(const at::Tensor& x, const QuantVariant& v, QAxis axis, bool force_generic, const quant::QuantizeOptions& keys) {
  const int64_t rows = x.size(0);
  const int64_t cols = x.size(1);
  const int64_t out_rows = axis == QAxis::kRows ? rows : cols;
  const int64_t K = axis == QAxis::kRows ? cols : rows;
  const auto u8 = x.options().dtype(at::kByte);
  const auto f32 = x.options().dtype(at::kFloat);
  QuantizeParams p;
  p.x = x.data_ptr();
  p.in_dtype = v.in;
  p.rows = rows;
  p.cols = cols;
  p.format = v.format;
  p.rounding = v.rounding;
  p.scale_rule = v.rule;
  p.axis = axis;
  p.output = v.output;
  p.out_dtype = v.out_dtype;
  p.hadamard = v.hadamard;
  p.random_signs = v.signs;
  p.sr_key = keys.sr_key;
  p.sign_key = keys.sign_key;
  p.force_generic = force_generic;
  Outputs o;
  o.scalars = at::zeros({2}, f32);  // [0] workspace, [1] tensor scale
  p.workspace = o.scalars.data_ptr<float>();
  p.tensor_scale = o.scalars.data_ptr<float>() + 1;
  if (v.output == QOutput::kPacked) {
    o.codes = at::full({out_rows, is_fp4(v.format) ? K / 2 : K}, 0xAB, u8);
    p.codes = o.codes.data_ptr<uint8_t>();
    if (is_fp4(v.format)) {
      o.scales = at::full({out_rows, K / (v.format == QFormat::kMxfp4 ? 32 : 16)}, 0xAB, u8);
      p.scales = o.scales.data_ptr<uint8_t>();
    }
  } else if (v.output == QOutput::kDequantized) {
    o.dequantized =
        at::full({out_rows, K}, 7.0, x.options().dtype(v.out_dtype == kernels::OutDType::kBf16 ? at::kBFloat16 : at::kFloat));
    p.dequantized = o.dequantized.data_ptr();
  } else {
    o.codes = at::full({out_rows, K}, 0xAB, u8);
    o.block_scales = at::full({K / kernels::kFp8BlockSize, out_rows}, 7.0, f32);
    o.inexact = at::zeros({1}, x.options().dtype(at::kInt));
    p.codes = o.codes.data_ptr<uint8_t>();
    p.block_scales = o.block_scales.data_ptr<float>();
    p.inexact_blocks = o.inexact.data_ptr<int32_t>();
  }
  if (v.mask) {
    o.mask = at::full({out_rows, K}, 0xAB, u8);
    p.mask = o.mask.data_ptr<uint8_t>();
  }
  const auto st = kernels::quantize(p, c10::cuda::getCurrentCUDAStream().stream());
  EXPECT_TRUE(st.ok) << st.message;
  return o;
}

std::vector<uint8_t> bytes_of(const at::Tensor& t) {
  const at::Tensor c = t.contiguous().cpu();
  const auto* b = static_cast<const uint8_t*>(c.data_ptr());
  return {b, b + c.numel() * c.element_size()};
}

testing::AssertionResult same_bytes(const std::string& what, const at::Tensor& got, const std::vector<uint8_t>& want) {
  if (!got.defined()) return testing::AssertionSuccess();
  const auto g = bytes_of(got);
  if (g.size() != want.size())
    return testing::AssertionFailure() << what << ": " << g.size() << " bytes, expected " << want.size();
  for (size_t i = 0; i < g.size(); ++i)
    if (g[i] != want[i])
      return testing::AssertionFailure() << what << ": first difference at byte " << i << ": 0x" << std::hex
                                         << int{g[i]} << " vs 0x" << int{want[i]};
  return testing::AssertionSuccess();
}

std::string describe(size_t index, const QuantVariant& v, QAxis axis, test::Pattern pattern) {
  std::ostringstream s;
  s << "variant " << index << " (format " << int(v.format) << ", rule " << int(v.rule) << ", rounding "
    << int(v.rounding) << ", h" << v.hadamard << (v.signs ? "+signs" : "") << ", output " << int(v.output)
    << ", out dtype " << int(v.out_dtype) << (v.mask ? ", mask" : "") << (v.in == InDType::kBf16 ? ", bf16" : ", f32")
    << ") " << (axis == QAxis::kRows ? "rows" : "cols") << " / " << test::pattern_name(pattern);
  return s.str();
}

void check_variant(size_t index, QAxis axis, test::Pattern pattern) {
  const QuantVariant& v = kernels::variants::kVariants[index];
  SCOPED_TRACE(describe(index, v, axis, pattern));
  // Ragged: the row kernel gets 200 rows (idle lanes in the last grid step), the column kernel 200 columns
  // (a partial 32-column tile); K = 256 is a multiple of every group, Hadamard block and 1×128 block.
  const int64_t rows = axis == QAxis::kRows ? 200 : 256;
  const int64_t cols = axis == QAxis::kRows ? 256 : 200;
  const auto host = test::make_input(pattern, rows, cols, 5 + index);
  at::Tensor x = torch::from_blob(const_cast<float*>(host.data()), {rows, cols}, torch::kFloat).clone();
  if (v.in == InDType::kBf16) x = x.to(torch::kBFloat16);
  const at::Tensor xd = x.cuda();
  quant::QuantizeOptions keys;
  keys.sr_key = quant::derive_key(17, 2, index, 0, quant::kStreamSrBase);
  keys.sign_key = quant::derive_key(17, 2, index, 0, quant::kStreamSignsFwd);

  ASSERT_GE(kernels::variants::find_variant([&] {
              QuantizeParams p;
              p.format = v.format; p.scale_rule = v.rule; p.rounding = v.rounding; p.hadamard = v.hadamard;
              p.random_signs = v.signs; p.output = v.output; p.out_dtype = v.out_dtype; p.in_dtype = v.in;
              p.mask = v.mask ? reinterpret_cast<uint8_t*>(16) : nullptr;
              return p;
            }()), 0);
  const Outputs spec = launch(xd, v, axis, false, keys);
  const Outputs gen = launch(xd, v, axis, true, keys);
  const std::pair<const char*, at::Tensor Outputs::*> fields[] = {
      {"codes", &Outputs::codes},           {"scales", &Outputs::scales},
      {"tensor scale", &Outputs::scalars},  {"block scales", &Outputs::block_scales},
      {"inexact blocks", &Outputs::inexact}, {"dequantised", &Outputs::dequantized},
      {"mask", &Outputs::mask}};
  for (const auto& [name, field] : fields) {
    if (!(gen.*field).defined()) continue;
    EXPECT_TRUE(same_bytes(std::string("specialised vs generic ") + name, spec.*field, bytes_of(gen.*field)));
  }

  if (v.output != QOutput::kPacked) return;
  const at::Tensor xf = x.to(torch::kFloat).contiguous();
  quant::StridedMatrix m;
  m.data = xf.data_ptr<float>();
  m.rows = axis == QAxis::kRows ? rows : cols;
  m.k = axis == QAxis::kRows ? cols : rows;
  m.row_stride = axis == QAxis::kRows ? cols : 1;
  m.k_stride = axis == QAxis::kRows ? 1 : cols;
  quant::QuantizeOptions o = keys;
  o.quant.format = v.format == QFormat::kMxfp4   ? quant::Format::kMxfp4
                   : v.format == QFormat::kNvfp4 ? quant::Format::kNvfp4
                   : v.format == QFormat::kFp8E4M3 ? quant::Format::kFp8E4M3
                                                   : quant::Format::kFp8E5M2;
  o.quant.rounding = v.rounding == kernels::QRounding::kSr ? quant::Rounding::kSr : quant::Rounding::kRtn;
  switch (v.rule) {
    case QScaleRule::kAbsmax: o.quant.scale = quant::ScaleRule::kAbsmax; break;
    case QScaleRule::kAbsmax34: o.quant.scale = quant::ScaleRule::kAbsmax34; break;
    case QScaleRule::kQuest: o.quant.scale = quant::ScaleRule::kQuest; break;
    case QScaleRule::kQuestFloor: o.quant.scale = quant::ScaleRule::kQuestFloor; break;
    case QScaleRule::kQuestFp32: o.quant.scale = quant::ScaleRule::kQuestFp32; break;
    case QScaleRule::kFourOverSix: o.quant.scale = quant::ScaleRule::kFourOverSix; break;
    case QScaleRule::kMsEden: o.quant.scale = quant::ScaleRule::kMsEden; break;
  }
  o.quant.hadamard = v.hadamard;
  o.quant.random_signs = v.signs;
  o.want_mask = true;
  const quant::QuantizedMatrix want = quant::quantize_ref(m, o);
  EXPECT_TRUE(same_bytes("codes vs reference", spec.codes, want.codes));
  if (spec.scales.defined()) {
    EXPECT_TRUE(same_bytes("scales vs reference", spec.scales, want.scales));
  }
  if (spec.mask.defined()) {
    EXPECT_TRUE(same_bytes("mask vs reference", spec.mask, want.mask));
  }
}

TEST(QuantizeVariantsGpu, EverySpecialisedKernelWritesTheGenericKernelsAndTheReferencesBits) {
  if (!ops::cuda_available()) GTEST_SKIP() << "no CUDA device visible (or built without nvcc): kernel tests skipped";
  for (size_t i = 0; i < kernels::variants::kNumVariants; ++i) {
    for (QAxis axis : {QAxis::kRows, QAxis::kCols}) {
      for (test::Pattern pattern : test::all_patterns()) check_variant(i, axis, pattern);
    }
  }
}

}  // namespace
}  // namespace lps
