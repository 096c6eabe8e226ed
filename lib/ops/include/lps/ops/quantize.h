// Fake quantization of one GEMM operand as an at::Tensor: the dispatch between the CUDA kernels
// (kernels helper), a torch-ops emulation on CUDA when no kernel covers the case, and the C++ reference
// (lps/quant/quantizer.h) on CPU. QuantLinear builds its GEMMs on this.
//
// Dispatch contract with the CUDA side (src/cuda_quantize.cc, owned by the kernels work): when that file
// exists, lib/ops/CMakeLists.txt compiles it and defines LPS_OPS_CUDA_QUANTIZE=1, and it must define
// cuda_quantize_dequantize() below with exactly these semantics:
//   * x is a CUDA tensor (float32 or bfloat16), 2-D, possibly non-contiguous (a transposed view);
//   * quantize along `dim` (0 or 1) per quant::quantize_ref's bit-level rules (codes, scales, masks equal);
//   * return values = the dequantised operand in the rotated domain, float32 or bfloat16 (caller casts),
//     same shape as x, WITHOUT the absmax_3_4 factor; mask (uint8 or bool, same shape) iff want_mask;
//   * return std::nullopt for any case it does not handle (the caller falls back and counts it).
#pragma once

#include <ATen/core/Tensor.h>
#include <lps/quant/scheme.h>

#include <cstdint>
#include <optional>

namespace lps::ops {

// counter_rng keys of one operand's draws (lps/quant/counter_rng.h).
struct QuantKeys {
  uint64_t sr = 0;     // element / scale stochastic rounding
  uint64_t signs = 0;  // random Hadamard signs: equal for the two operands of one GEMM
};

struct FakeQuant {
  at::Tensor values;    // dequantised, rotated domain, same shape as x (float32 on CPU)
  at::Tensor mask;      // trust mask (1 = gradient flows), same shape; undefined unless asked
  float factor = 1.0f;  // multiply values by this (4/3 for absmax_3_4) — a GEMM of two: factor_a·factor_b
};

// Quantize x (2-D) along `dim` per q. want_mask: also return the trust mask. K (x.size(dim)) must be a
// multiple of quant::k_multiple(q); QuantLinear pads to that.
[[nodiscard]] FakeQuant quantize_dequantize(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim,
                                            const QuantKeys& keys, bool want_mask);

// The same quantizer in plain torch ops (any device): what CUDA tensors get when no kernel covers the case.
// Same rules and counter RNG as quant::quantize_ref; FP32 operation order differs in the rotation and scale
// arithmetic, so rare values land one grid step apart (tests bound how rare).
[[nodiscard]] FakeQuant quantize_dequantize_torch(const at::Tensor& x, const quant::OperandQuant& q,
                                                  int64_t dim, const QuantKeys& keys, bool want_mask);

// The block Hadamard (with signs from keys.signs when q.random_signs) applied along `dim`, and its inverse —
// used to carry masked gradients back to the unrotated domain. Identity when q.hadamard == 0.
[[nodiscard]] at::Tensor rotate(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim,
                                const QuantKeys& keys);
[[nodiscard]] at::Tensor unrotate(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim,
                                  const QuantKeys& keys);

// How quantize_dequantize calls were served since the last reset (all devices, all threads).
struct QuantDispatchStats {
  int64_t cuda_kernel = 0;    // served by cuda_quantize_dequantize
  int64_t cuda_fallback = 0;  // CUDA tensor, no kernel for the case: torch-ops emulation
  int64_t cpu_reference = 0;  // CPU tensor: quant::quantize_ref
};
[[nodiscard]] QuantDispatchStats quant_dispatch_stats();
void reset_quant_dispatch_stats();

#if LPS_OPS_CUDA_QUANTIZE
// Provided by src/cuda_quantize.cc (see the contract above).
[[nodiscard]] std::optional<FakeQuant> cuda_quantize_dequantize(const at::Tensor& x,
                                                                const quant::OperandQuant& q, int64_t dim,
                                                                const QuantKeys& keys, bool want_mask);
#endif

}  // namespace lps::ops
