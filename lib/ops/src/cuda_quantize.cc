// CUDA operand quantization on at::Tensors: the fake-quant contract of quantize.h and the packed form.
#include <lps/ops/cuda_quantize.h>

#include "cuda_operand.h"

#include <lps/kernels/quantize.h>
#include <lps/quant/quantizer.h>

#include <ATen/ATen.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

namespace lps::ops {
namespace detail {
namespace {

std::optional<kernels::QFormat> kernel_format(quant::Format f) {
  switch (f) {
    case quant::Format::kMxfp4: return kernels::QFormat::kMxfp4;
    case quant::Format::kNvfp4: return kernels::QFormat::kNvfp4;
    case quant::Format::kFp8E4M3: return kernels::QFormat::kFp8E4M3;
    case quant::Format::kFp8E5M2: return kernels::QFormat::kFp8E5M2;
    default: return std::nullopt;
  }
}

kernels::QScaleRule kernel_rule(quant::ScaleRule r) {
  switch (r) {
    case quant::ScaleRule::kAbsmax: return kernels::QScaleRule::kAbsmax;
    case quant::ScaleRule::kAbsmax34: return kernels::QScaleRule::kAbsmax34;
    case quant::ScaleRule::kQuest: return kernels::QScaleRule::kQuest;
    case quant::ScaleRule::kQuestFloor: return kernels::QScaleRule::kQuestFloor;
    case quant::ScaleRule::kQuestFp32: return kernels::QScaleRule::kQuestFp32;
    case quant::ScaleRule::kFourOverSix: return kernels::QScaleRule::kFourOverSix;
    case quant::ScaleRule::kMsEden: return kernels::QScaleRule::kMsEden;
  }
  return kernels::QScaleRule::kAbsmax;
}

bool aligned16(const at::Tensor& t) { return (reinterpret_cast<uintptr_t>(t.data_ptr()) & 15u) == 0; }

}  // namespace

std::optional<CudaOperand> make_cuda_operand(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim,
                                             const QuantKeys& keys, std::string* why) {
  auto fail = [&](const std::string& reason) -> std::optional<CudaOperand> {
    if (why != nullptr) *why = reason;
    return std::nullopt;
  };
  if (!x.is_cuda()) return fail("not a CUDA tensor");
  if (x.dim() != 2) return fail("not 2-D");
  if (dim != 0 && dim != 1) return fail("dim must be 0 or 1");
  if (x.scalar_type() != at::kFloat && x.scalar_type() != at::kBFloat16) return fail("dtype is not float32/bfloat16");
  const auto format = kernel_format(q.format);
  if (!format) return fail("format has no kernel");
  if (!quant::operand_problems(q).empty()) return fail(quant::operand_problems(q).front());

  CudaOperand op;
  bool along_rows;  // the kernel's axis on `base`
  if (x.is_contiguous()) {
    op.base = x;
    along_rows = dim == 1;
  } else if (x.t().is_contiguous()) {
    op.base = x.t();
    along_rows = dim == 0;
  } else {
    op.base = x.contiguous();
    along_rows = dim == 1;
  }
  if (!aligned16(op.base)) op.base = op.base.clone();
  op.rows = x.size(1 - dim);
  op.k = x.size(dim);

  kernels::QuantizeParams& p = op.params;
  p.x = op.base.data_ptr();
  p.in_dtype = x.scalar_type() == at::kBFloat16 ? kernels::InDType::kBf16 : kernels::InDType::kF32;
  p.rows = op.base.size(0);
  p.cols = op.base.size(1);
  p.format = *format;
  p.rounding = q.rounding == quant::Rounding::kSr ? kernels::QRounding::kSr : kernels::QRounding::kRtn;
  p.scale_rule = kernel_rule(q.scale);
  p.axis = along_rows ? kernels::QAxis::kRows : kernels::QAxis::kCols;
  p.hadamard = q.hadamard;
  p.random_signs = q.random_signs;
  p.sr_key = keys.sr;
  p.sign_key = keys.signs;
  if (const char* problem = kernels::quantize_unsupported(p)) return fail(problem);
  return op;
}

kernels::Stream current_stream(const at::Tensor& x) {
  return c10::cuda::getCurrentCUDAStream(x.device().index()).stream();
}

void check_launch(const kernels::LaunchStatus& status, const char* what) {
  TORCH_CHECK(status.ok, what, ": kernel launch failed: ", status.message);
}

}  // namespace detail

std::optional<std::string> cuda_quantize_unsupported(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim) {
  std::string why;
  if (detail::make_cuda_operand(x, q, dim, QuantKeys{}, &why)) return std::nullopt;
  return why;
}

// Outputs come back in the operand's [rows, K] layout; values/masks are returned in x's shape
// (dim == 0: the transpose of that layout, a view).
std::optional<FakeQuant> cuda_quantize_dequantize(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim,
                                                  const QuantKeys& keys, bool want_mask) {
  auto op = detail::make_cuda_operand(x, q, dim, keys, nullptr);
  if (!op) return std::nullopt;
  const c10::cuda::CUDAGuard guard(x.device());
  kernels::QuantizeParams& p = op->params;
  const bool bf16_exact = x.scalar_type() == at::kBFloat16 && q.format == quant::Format::kMxfp4 &&
                          q.scale != quant::ScaleRule::kQuestFp32;
  const auto opts = x.options();
  at::Tensor values = at::empty({op->rows, op->k}, opts.dtype(bf16_exact ? at::kBFloat16 : at::kFloat));
  at::Tensor mask;
  at::Tensor workspace = at::empty({1}, opts.dtype(at::kFloat));
  p.output = kernels::QOutput::kDequantized;
  p.out_dtype = bf16_exact ? kernels::OutDType::kBf16 : kernels::OutDType::kF32;
  p.dequantized = values.data_ptr();
  p.workspace = workspace.data_ptr<float>();
  if (want_mask) {
    mask = at::empty({op->rows, op->k}, opts.dtype(at::kByte));
    p.mask = mask.data_ptr<uint8_t>();
  }
  detail::check_launch(kernels::quantize(p, detail::current_stream(x)), "cuda_quantize_dequantize");
  FakeQuant out;
  out.values = dim == 1 ? values : values.t();
  if (want_mask) out.mask = dim == 1 ? mask : mask.t();
  out.factor = q.scale == quant::ScaleRule::kAbsmax34 ? quant::kAbsmax34Factor : 1.0f;
  return out;
}

CudaPacked cuda_quantize_packed(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim, const QuantKeys& keys,
                                bool want_mask) {
  std::string why;
  auto op = detail::make_cuda_operand(x, q, dim, keys, &why);
  TORCH_CHECK(op.has_value(), "cuda_quantize_packed: not supported by the CUDA kernels: ", why);
  const c10::cuda::CUDAGuard guard(x.device());
  kernels::QuantizeParams& p = op->params;
  const auto u8 = x.options().dtype(at::kByte);
  const auto f32 = x.options().dtype(at::kFloat);
  const bool fp4 = q.format == quant::Format::kMxfp4 || q.format == quant::Format::kNvfp4;
  CudaPacked out;
  out.codes = at::empty({op->rows, fp4 ? op->k / 2 : op->k}, u8);
  at::Tensor scalars = at::zeros({2}, f32);  // [0] workspace (A), [1] tensor scale
  p.output = kernels::QOutput::kPacked;
  p.codes = out.codes.data_ptr<uint8_t>();
  p.workspace = scalars.data_ptr<float>();
  p.tensor_scale = scalars.data_ptr<float>() + 1;
  if (fp4) {
    const int group = quant::group_size(q.format);
    out.scales = at::empty({op->rows, op->k / group}, u8);
    p.scales = out.scales.data_ptr<uint8_t>();
    if (q.scale == quant::ScaleRule::kQuestFp32) {
      out.fp32_scales = at::empty({op->rows, op->k / group}, f32);
      p.fp32_scales = out.fp32_scales.data_ptr<float>();
    }
  }
  if (want_mask) {
    out.mask = at::empty({op->rows, op->k}, u8);
    p.mask = out.mask.data_ptr<uint8_t>();
  }
  detail::check_launch(kernels::quantize(p, detail::current_stream(x)), "cuda_quantize_packed");
  out.tensor_scale = q.format == quant::Format::kMxfp4 ? 1.0f : scalars[1].item<float>();
  return out;
}

CudaFp8Blocks cuda_quantize_fp8_blocks(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim,
                                       const QuantKeys& keys, bool want_mask) {
  std::string why;
  auto op = detail::make_cuda_operand(x, q, dim, keys, &why);
  TORCH_CHECK(op.has_value(), "cuda_quantize_fp8_blocks: not supported by the CUDA kernels: ", why);
  const c10::cuda::CUDAGuard guard(x.device());
  kernels::QuantizeParams& p = op->params;
  CudaFp8Blocks out;
  out.e4m3 = at::empty({op->rows, op->k}, x.options().dtype(at::kByte));
  out.block_scales = at::empty({op->k / kernels::kFp8BlockSize, op->rows}, x.options().dtype(at::kFloat));
  out.inexact_blocks = at::zeros({1}, x.options().dtype(at::kInt));
  p.output = kernels::QOutput::kFp8Blocks;
  p.codes = out.e4m3.data_ptr<uint8_t>();
  p.block_scales = out.block_scales.data_ptr<float>();
  p.inexact_blocks = out.inexact_blocks.data_ptr<int32_t>();
  if (want_mask) {
    out.mask = at::empty({op->rows, op->k}, x.options().dtype(at::kByte));
    p.mask = out.mask.data_ptr<uint8_t>();
  }
  detail::check_launch(kernels::quantize(p, detail::current_stream(x)), "cuda_quantize_fp8_blocks");
  return out;
}

}  // namespace lps::ops
