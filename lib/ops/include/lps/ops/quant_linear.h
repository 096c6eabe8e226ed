// QuantLinear: Y = X·Wᵀ with the operands of all three GEMMs quantized per a quant::Scheme (DESIGN.md §3).
//
//   forward   Y   = Q(X̃)·Q(W̃)ᵀ · f_x·f_w                      K = in   (X̃, W̃: rotated along in if the scheme
//   says) backward  dX̃  = Q(dY)·Q(Ŵ)  · f                            K = out  (Ŵ = forward's dequantised W̃)
//             dW̃  = Q(dYᵀ)·Q(X̂ᵀ)ᵀ · f                          K = M    (X̂ = forward's dequantised X̃)
//             dX = unrotate(dX̃ ⊙ M_x), dW = unrotate(dW̃ ⊙ M_w)  (trust masks of the forward quantizers)
// As in Quartet's reference code, the backward GEMMs re-quantize the forward's dequantised operands (so
// quest_fwd's BF16 backward is the straight-through gradient of the quantized forward). f = 4/3 per
// absmax_3_4 operand (16/9 per GEMM). The two operands of one GEMM share its rotation (Hadamard block,
// random signs from one key), so it cancels; an unquantized operand of a rotated GEMM is rotated too.
// K not a multiple of the quantizer's block is zero-padded (exact for the GEMM).
//
// Devices: CPU runs the C++ reference (lps::quant) and FP32 GEMMs. CUDA quantizes with the kernels when
// built (else the torch emulation, counted in quant_dispatch_stats()); MXFP4×MXFP4 (E8M0 rules) GEMMs run
// as block-scaled FP8 GEMMs and FP8×FP8 GEMMs via at::_scaled_mm (lps/ops/cuda_gemm.h, which falls back and
// counts where blocks or shapes do not allow it); every other GEMM is a BF16 GEMM of the dequantised
// operands. gemm_stats() counts each kind. The forward saves X and W only; the backward recomputes the
// forward's dequantised operands and masks from them with the same keys (bit-identical).
#pragma once

#include <ATen/core/Tensor.h>
#include <lps/ops/quantize.h>
#include <lps/quant/scheme.h>

#include <cstdint>

namespace lps::ops {

// What keys a call's random draws (lps/quant/counter_rng.h derive_key).
struct QuantCallKeys {
  uint64_t seed = 0;
  int64_t step = 0;
  uint64_t tensor_id = 0;
  uint64_t call = 0;  // the layer's call index within the step (micro-batches, recomputation)
};

// x2d: [M, in], w: [out, in] -> [M, out] (dtype of x2d). Differentiable in x2d and w. Throws
// (TORCH_CHECK) when quant::scheme_problems(scheme) is not empty.
[[nodiscard]] at::Tensor quant_linear(const at::Tensor& x2d, const at::Tensor& w, const quant::Scheme& scheme,
                                      const QuantCallKeys& keys);

// The keys of operand o in a call: SR stream per operand, sign stream per GEMM (shared by its two operands).
[[nodiscard]] QuantKeys operand_keys(const QuantCallKeys& keys, quant::Operand o);

// GEMMs run by quant_linear since the last reset.
struct GemmStats {
  int64_t fp8_tensor_core = 0;    // at::_scaled_mm
  int64_t emulated_bf16 = 0;      // CUDA: BF16 GEMM of dequantised operands
  int64_t cpu_fp32 = 0;           // CPU: FP32 GEMM of dequantised operands
  int64_t mxfp4_tensor_core = 0;  // MXFP4 GEMM as block-scaled FP8 (cuda_gemm.h)
};
[[nodiscard]] GemmStats gemm_stats();
void reset_gemm_stats();

}  // namespace lps::ops
