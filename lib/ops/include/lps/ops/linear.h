// The one entry point every block linear of the model goes through: Y = X·Wᵀ under a precision scheme.
// X: [..., in], W: [out, in] -> Y: [..., out]. The baseline scheme is a plain (autocast-aware) matmul;
// quantized schemes run QuantLinear's autograd function (forward and both backward GEMMs quantized per
// operand). Stochastic rounding and random signs draw from a counter-based generator keyed by
// (seed, step, tensor_id, call), so a resumed run reproduces its bits.
#pragma once

#include <ATen/core/Tensor.h>
#include <lps/quant/scheme.h>

#include <cstdint>

namespace lps::ops {

// Per-step randomness context, set by the trainer before each optimizer step.
void set_quant_step(uint64_t seed, int64_t step);
[[nodiscard]] uint64_t quant_seed();
[[nodiscard]] int64_t quant_step();

// tensor_id: stable per layer (assigned at model construction) so each layer draws its own stream.
[[nodiscard]] at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const quant::Scheme& scheme,
                                uint64_t tensor_id);

}  // namespace lps::ops
