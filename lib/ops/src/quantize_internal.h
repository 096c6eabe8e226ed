// Private helpers of lib/ops' quantization: torch-ops emulation of the reference quantizer (for CUDA
// tensors without a kernel), Hadamard matrices and sign vectors as tensors.
#pragma once

#include <ATen/core/Tensor.h>
#include <lps/ops/quantize.h>

namespace lps::ops::detail {

// Normalised Sylvester Hadamard matrix H_n (symmetric), built from quant::hadamard_forward.
[[nodiscard]] at::Tensor hadamard_matrix(int n, const at::TensorOptions& options);
// hash32(key, i) of lps/quant/counter_rng.h for an int64 tensor of counters (values in [0, 2^32)).
[[nodiscard]] at::Tensor hash32_tensor(const at::Tensor& counters, uint64_t key);
// random_sign(key, j) for j in [0, k), on options' device.
[[nodiscard]] at::Tensor sign_vector(int64_t k, uint64_t key, const at::TensorOptions& options);
// Block rotation along `dim` (float32 result): forward H·D·x, or inverse D·H·x.
[[nodiscard]] at::Tensor rotate_along(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim,
                                      uint64_t sign_key, bool inverse);
// The quantizer in torch ops (any device): same rules and the same counter RNG as quant::quantize_ref;
// results agree with it up to FP32 operation order in the rotation and the scale arithmetic.
[[nodiscard]] FakeQuant quantize_emulated(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim,
                                          const QuantKeys& keys, bool want_mask);

}  // namespace lps::ops::detail
