// MXFP4 GEMMs as block-scaled FP8 GEMMs (E4M3, 1×128 scales) and tensorwise FP8 GEMMs, with the
// dequantised BF16 GEMM as fallback.
#include <lps/ops/cuda_gemm.h>

#include "cuda_operand.h"

#include <lps/kernels/quantize.h>

#include <ATen/ATen.h>
#include <c10/cuda/CUDAGuard.h>

#include <atomic>
#include <cstdlib>
#include <string>

namespace lps::ops {
namespace {

constexpr int64_t kGemmMultiple = 16;  // cuBLASLt FP8: M, N, K multiples of 16

std::atomic<int64_t> g_mx_tc{0}, g_mx_fallback{0}, g_inexact{0}, g_fp8_tc{0}, g_fp8_fallback{0};
std::atomic<bool> g_fp32_block_out{true};  // cuBLASLt accepts FP32 output for block-scaled FP8 (until it refuses)

struct Quantized {
  at::Tensor codes;  // [rows, K] E4M3 / E5M2 bytes
  at::Tensor scale;  // block scales [K/128, rows] or tensor scale [1]
  at::Tensor mask;   // [rows, K] or undefined
  int64_t dim = 1;
};

detail::CudaOperand operand_or_throw(const GemmOperand& g, const char* what) {
  std::string why;
  auto op = detail::make_cuda_operand(g.x, g.q, g.k_dim, g.keys, &why);
  TORCH_CHECK(op.has_value(), what, ": operand not supported by the CUDA kernels: ", why);
  return *op;
}

at::Tensor shaped_like_x(const at::Tensor& t, int64_t dim) { return dim == 1 ? t : t.t(); }

// Dequantise → GEMM in BF16 (FP32 accumulation) → out_dtype.
CudaGemmResult dequantised_gemm(const GemmOperand& a, const GemmOperand& b, at::ScalarType out_dtype) {
  auto qa = cuda_quantize_dequantize(a.x, a.q, a.k_dim, a.keys, a.want_mask);
  auto qb = cuda_quantize_dequantize(b.x, b.q, b.k_dim, b.keys, b.want_mask);
  TORCH_CHECK(qa && qb, "dequantised_gemm: operand not supported by the CUDA kernels");
  // values have x's shape; the [rows, K] views:
  const at::Tensor va = (a.k_dim == 1 ? qa->values : qa->values.t()).to(at::kBFloat16);
  const at::Tensor vb = (b.k_dim == 1 ? qb->values : qb->values.t()).to(at::kBFloat16);
  CudaGemmResult r;
  r.y = at::mm(va, vb.t()).to(out_dtype);
  r.mask_a = qa->mask;
  r.mask_b = qb->mask;
  return r;
}

}  // namespace

bool mxfp4_fp8_gemm_enabled() {
  // On by default; LPS_MXFP4_FP8_GEMM=0 forces the dequantised BF16 GEMM (for comparisons). The scale layout
  // below is the one ATen's 1×128 recipe accepts, checked against FP64 on an H100
  // (scripts/gpu/probe_scaled_mm.py); an earlier "few percent" disagreement was the test's tolerance, which
  // ignored Hopper's reduced-precision FP8 accumulation (see tests/kernels/cuda_gemm_test.cc).
  static const bool enabled = [] {
    const char* env = std::getenv("LPS_MXFP4_FP8_GEMM");
    return env == nullptr || std::string(env) != "0";
  }();
  return enabled;
}

CudaGemmResult cuda_mxfp4_gemm(const GemmOperand& a, const GemmOperand& b, at::ScalarType out_dtype) {
  TORCH_CHECK(a.q.format == quant::Format::kMxfp4 && b.q.format == quant::Format::kMxfp4,
              "cuda_mxfp4_gemm: both operands must be MXFP4");
  TORCH_CHECK(a.x.size(a.k_dim) == b.x.size(b.k_dim), "cuda_mxfp4_gemm: K differs: ", a.x.size(a.k_dim), " vs ",
              b.x.size(b.k_dim));
  const c10::cuda::CUDAGuard guard(a.x.device());
  const int64_t K = a.x.size(a.k_dim);
  const int64_t M = a.x.size(1 - a.k_dim);
  const int64_t N = b.x.size(1 - b.k_dim);
  if (!mxfp4_fp8_gemm_enabled()) {
    g_mx_fallback.fetch_add(1, std::memory_order_relaxed);
    return dequantised_gemm(a, b, out_dtype);
  }
  const bool shapes_ok = K % kernels::kFp8BlockSize == 0 && M % kGemmMultiple == 0 && N % kGemmMultiple == 0 &&
                         a.q.scale != quant::ScaleRule::kQuestFp32 && b.q.scale != quant::ScaleRule::kQuestFp32;
  if (!shapes_ok) {
    g_mx_fallback.fetch_add(1, std::memory_order_relaxed);
    return dequantised_gemm(a, b, out_dtype);
  }
  at::Tensor inexact = at::zeros({1}, a.x.options().dtype(at::kInt));
  auto encode = [&](const GemmOperand& g) {
    detail::CudaOperand op = operand_or_throw(g, "cuda_mxfp4_gemm");
    Quantized q;
    q.dim = g.k_dim;
    q.codes = at::empty({op.rows, op.k}, g.x.options().dtype(at::kByte));
    q.scale = at::empty({op.k / kernels::kFp8BlockSize, op.rows}, g.x.options().dtype(at::kFloat));
    kernels::QuantizeParams& p = op.params;
    p.output = kernels::QOutput::kFp8Blocks;
    p.codes = q.codes.data_ptr<uint8_t>();
    p.block_scales = q.scale.data_ptr<float>();
    p.inexact_blocks = inexact.data_ptr<int32_t>();
    if (g.want_mask) {
      q.mask = at::empty({op.rows, op.k}, g.x.options().dtype(at::kByte));
      p.mask = q.mask.data_ptr<uint8_t>();
    }
    detail::check_launch(kernels::quantize(p, detail::current_stream(g.x)), "cuda_mxfp4_gemm");
    return q;
  };
  const Quantized qa = encode(a);
  const Quantized qb = encode(b);
  const int bad = inexact.item<int32_t>();  // the one sync: is the E4M3 encoding exact?
  if (bad != 0) {
    g_inexact.fetch_add(bad, std::memory_order_relaxed);
    g_mx_fallback.fetch_add(1, std::memory_order_relaxed);
    return dequantised_gemm(a, b, out_dtype);
  }
  g_mx_tc.fetch_add(1, std::memory_order_relaxed);
  const at::Tensor a8 = qa.codes.view(at::kFloat8_e4m3fn);  // [M, K]
  const at::Tensor b8 = qb.codes.view(at::kFloat8_e4m3fn);  // [N, K]
  // ATen's 1×128 recipe: scale_a (M, K/128) with strides (1, M); scale_b (K/128, N) with strides (N, 1).
  auto block_scaled_mm = [&](at::ScalarType dtype) {
    return at::_scaled_mm(a8, b8.t(), qa.scale.t(), qb.scale, std::nullopt, std::nullopt, dtype, false);
  };
  CudaGemmResult r;
  if (out_dtype == at::kFloat && g_fp32_block_out.load(std::memory_order_relaxed)) {
    // FP32 output keeps the accumulator's precision; should this cuBLASLt not offer it for block-scaled
    // FP8, remember that and use BF16 output from then on.
    try {
      r.y = block_scaled_mm(at::kFloat);
    } catch (const c10::Error&) {
      g_fp32_block_out.store(false, std::memory_order_relaxed);
    }
  }
  if (!r.y.defined()) r.y = block_scaled_mm(out_dtype == at::kFloat ? at::kBFloat16 : out_dtype).to(out_dtype);
  r.tensor_cores = true;
  if (a.want_mask) r.mask_a = shaped_like_x(qa.mask, a.k_dim);
  if (b.want_mask) r.mask_b = shaped_like_x(qb.mask, b.k_dim);
  return r;
}

CudaGemmResult cuda_fp8_gemm(const GemmOperand& a, const GemmOperand& b, at::ScalarType out_dtype) {
  const auto is_fp8 = [](quant::Format f) { return f == quant::Format::kFp8E4M3 || f == quant::Format::kFp8E5M2; };
  TORCH_CHECK(is_fp8(a.q.format) && is_fp8(b.q.format), "cuda_fp8_gemm: both operands must be FP8");
  TORCH_CHECK(!(a.q.format == quant::Format::kFp8E5M2 && b.q.format == quant::Format::kFp8E5M2),
              "cuda_fp8_gemm: cuBLASLt has no E5M2 x E5M2 GEMM");
  TORCH_CHECK(a.x.size(a.k_dim) == b.x.size(b.k_dim), "cuda_fp8_gemm: K differs");
  const c10::cuda::CUDAGuard guard(a.x.device());
  const int64_t K = a.x.size(a.k_dim);
  const int64_t M = a.x.size(1 - a.k_dim);
  const int64_t N = b.x.size(1 - b.k_dim);
  if (K % kGemmMultiple != 0 || M % kGemmMultiple != 0 || N % kGemmMultiple != 0) {
    g_fp8_fallback.fetch_add(1, std::memory_order_relaxed);
    return dequantised_gemm(a, b, out_dtype);
  }
  // cuBLASLt refuses scale pointers that are not 16-byte aligned (CUBLAS_STATUS_NOT_SUPPORTED on an H100
  // for a scale at a 4-byte offset, scripts/gpu/probe_scaled_mm.py), so the decode scale gets its own
  // allocation (the caching allocator aligns every block to 512 bytes).
  auto encode = [&](const GemmOperand& g) {
    detail::CudaOperand op = operand_or_throw(g, "cuda_fp8_gemm");
    Quantized q;
    q.dim = g.k_dim;
    q.codes = at::empty({op.rows, op.k}, g.x.options().dtype(at::kByte));
    at::Tensor workspace = at::empty({1}, g.x.options().dtype(at::kFloat));
    q.scale = at::empty({1}, g.x.options().dtype(at::kFloat));  // the decode scale 1/enc
    kernels::QuantizeParams& p = op.params;
    p.output = kernels::QOutput::kPacked;
    p.codes = q.codes.data_ptr<uint8_t>();
    p.workspace = workspace.data_ptr<float>();
    p.tensor_scale = q.scale.data_ptr<float>();
    if (g.want_mask) {
      q.mask = at::empty({op.rows, op.k}, g.x.options().dtype(at::kByte));
      p.mask = q.mask.data_ptr<uint8_t>();
    }
    detail::check_launch(kernels::quantize(p, detail::current_stream(g.x)), "cuda_fp8_gemm");
    return q;
  };
  const Quantized qa = encode(a);
  const Quantized qb = encode(b);
  const auto dtype = [](quant::Format f) { return f == quant::Format::kFp8E4M3 ? at::kFloat8_e4m3fn : at::kFloat8_e5m2; };
  const at::Tensor a8 = qa.codes.view(dtype(a.q.format));
  const at::Tensor b8 = qb.codes.view(dtype(b.q.format));
  CudaGemmResult r;
  auto scaled_mm = [&](at::ScalarType out) {
    return at::_scaled_mm(a8, b8.t(), qa.scale, qb.scale, std::nullopt, std::nullopt, out, false);
  };
  // Should cuBLASLt refuse an FP32-output FP8 GEMM: BF16 output, and if that is refused too, the dequantised
  // GEMM — counted as a fallback whenever it is not native.
  try {
    r.y = scaled_mm(out_dtype);
  } catch (const c10::Error&) {
    try {
      r.y = scaled_mm(at::kBFloat16).to(out_dtype);
    } catch (const c10::Error&) {
      g_fp8_fallback.fetch_add(1, std::memory_order_relaxed);
      return dequantised_gemm(a, b, out_dtype);
    }
  }
  g_fp8_tc.fetch_add(1, std::memory_order_relaxed);
  r.tensor_cores = true;
  if (a.want_mask) r.mask_a = shaped_like_x(qa.mask, a.k_dim);
  if (b.want_mask) r.mask_b = shaped_like_x(qb.mask, b.k_dim);
  return r;
}

CudaGemmStats cuda_gemm_stats() {
  CudaGemmStats s;
  s.mxfp4_tensor_cores = g_mx_tc.load();
  s.mxfp4_fallbacks = g_mx_fallback.load();
  s.inexact_blocks = g_inexact.load();
  s.fp8_tensor_cores = g_fp8_tc.load();
  s.fp8_fallbacks = g_fp8_fallback.load();
  return s;
}

void reset_cuda_gemm_stats() {
  g_mx_tc = 0;
  g_mx_fallback = 0;
  g_inexact = 0;
  g_fp8_tc = 0;
  g_fp8_fallback = 0;
}

}  // namespace lps::ops
