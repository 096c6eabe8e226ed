// GEMMs of quantized operands on Hopper's FP8 tensor cores (cuBLASLt through at::_scaled_mm).
//
// MXFP4 on FP8 tensor cores: an E2M1 value times its group's power-of-two scale is exact in E4M3 once the
// group's exponent is taken relative to its 1×128 block's largest exponent (kernels/quantize.h: exact while
// the block's group exponents span <= 14 binades), so the quantizer kernel emits E4M3 bytes + one FP32 scale
// per 1×128 block and the MXFP4 GEMM runs as cuBLASLt's block-scaled FP8 GEMM (1×128 × 1×128, FP32
// accumulation per block) — identical to the dequantised GEMM up to FP32 summation order. Where a block
// is not exact (or K % 128 != 0, or M, N not multiples of 16), it falls back to dequantise → BF16 GEMM
// and counts the fallback. Checking the blocks costs one device→host sync per GEMM.
#pragma once

#include <lps/ops/quantize.h>
#include <lps/quant/scheme.h>

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace lps::ops {

// One GEMM operand: x (2-D CUDA, float32/bfloat16) quantized along k_dim, its logical view [rows, K].
struct GemmOperand {
  at::Tensor x;
  int64_t k_dim = 1;
  quant::OperandQuant q;
  QuantKeys keys;
  bool want_mask = false;  // also return the trust mask (x's shape, uint8)
};

struct CudaGemmResult {
  at::Tensor y;                 // [rows_a, rows_b] = deq(A) · deq(B)ᵀ in the rotated domain, no factors applied
  at::Tensor mask_a, mask_b;    // uint8, shaped like a.x / b.x; undefined unless asked
  bool tensor_cores = false;    // true: ran on FP8 tensor cores; false: dequantised BF16 GEMM
};

// Both operands MXFP4 (E8M0 rules; the same Hadamard size and sign key along K for the rotation to cancel).
// Whether MXFP4 GEMMs try the block-scaled FP8 tensor-core path (on by default; LPS_MXFP4_FP8_GEMM=0 turns it off).
[[nodiscard]] bool mxfp4_fp8_gemm_enabled();
[[nodiscard]] CudaGemmResult cuda_mxfp4_gemm(const GemmOperand& a, const GemmOperand& b,
                                             at::ScalarType out_dtype = at::kBFloat16);
// Both operands FP8 tensorwise (E4M3/E5M2, not both E5M2): at::_scaled_mm with the kernels' tensor scales
// (no sync). Falls back to the dequantised GEMM when shapes are not multiples of 16.
[[nodiscard]] CudaGemmResult cuda_fp8_gemm(const GemmOperand& a, const GemmOperand& b,
                                           at::ScalarType out_dtype = at::kBFloat16);

// Counts since the last reset (all threads).
struct CudaGemmStats {
  int64_t mxfp4_tensor_cores = 0;  // MXFP4 GEMMs run as block-scaled FP8
  int64_t mxfp4_fallbacks = 0;     // MXFP4 GEMMs run dequantised in BF16
  int64_t inexact_blocks = 0;      // 1×128 blocks that forced those fallbacks
  int64_t fp8_tensor_cores = 0;    // FP8 GEMMs on tensor cores
  int64_t fp8_fallbacks = 0;
};
[[nodiscard]] CudaGemmStats cuda_gemm_stats();
void reset_cuda_gemm_stats();

}  // namespace lps::ops
