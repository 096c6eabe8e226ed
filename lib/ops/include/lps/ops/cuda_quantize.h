// The CUDA side of operand quantization (kernels/quantize.h) on at::Tensors: TORCH_CHECKs, the current
// stream, layout mapping (a transposed view is quantized through the column kernel, never copied).
//
//   cuda_quantize_dequantize — the fake-quant contract of lps/ops/quantize.h (declared there).
//   cuda_quantize_packed     — codes + scales + mask exactly as quant::QuantizedMatrix holds them (tests,
//                              benchmarks, storage).
//
// An operand is x (2-D, CUDA, float32 or bfloat16) quantized along `dim`: its logical [rows, K] view has
// K = x.size(dim), rows = x.size(1 - dim), element (r, k) = dim == 1 ? x[r][k] : x[k][r] — the same view
// quant::quantize_ref takes through a StridedMatrix.
#pragma once

#include <lps/ops/quantize.h>
#include <lps/quant/scheme.h>

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>

namespace lps::ops {

struct CudaPacked {
  at::Tensor codes;        // uint8 [rows, K/2] (FP4, element 2j in the low nibble) or [rows, K] (FP8)
  at::Tensor scales;       // uint8 [rows, K/group] (E8M0 or E4M3); undefined for FP8
  at::Tensor fp32_scales;  // float32 [rows, K/32] for quest_fp32; undefined otherwise
  at::Tensor mask;         // uint8 [rows, K] (1 = trusted); undefined unless asked
  float tensor_scale = 1.0f;  // NVFP4 T, FP8 decode scale (1 for MXFP4); reading it synchronises
};

// Why the kernels cannot serve (x, q, dim), or nullopt when they can.
[[nodiscard]] std::optional<std::string> cuda_quantize_unsupported(const at::Tensor& x, const quant::OperandQuant& q,
                                                                   int64_t dim);

// Quantize along `dim` into the packed layout; throws (TORCH_CHECK) when unsupported.
[[nodiscard]] CudaPacked cuda_quantize_packed(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim,
                                              const QuantKeys& keys, bool want_mask);

// MXFP4 (E8M0 rules) straight into the E4M3 encoding with 1×128 block scales (kernels/quantize.h
// kFp8Blocks): e4m3 uint8 [rows, K], block_scales float32 [K/128, rows], inexact_blocks int32 [1] (blocks
// whose encoding is not exact; their bytes must not be used). K % 128 == 0.
struct CudaFp8Blocks {
  at::Tensor e4m3;
  at::Tensor block_scales;
  at::Tensor inexact_blocks;
  at::Tensor mask;  // uint8 [rows, K]; undefined unless asked
};
[[nodiscard]] CudaFp8Blocks cuda_quantize_fp8_blocks(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim,
                                                     const QuantKeys& keys, bool want_mask);

}  // namespace lps::ops
