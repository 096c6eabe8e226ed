// The fused model ops on CUDA (kernels/{cross_entropy,rms_norm,swiglu,rope}.cu) as autograd functions, and the
// process-wide switch the model reads. lib/model uses them only for CUDA tensors while the switch is on; the
// CPU path (ATen ops) is untouched. Each takes and returns CUDA tensors, computes in FP32 whatever the storage
// dtype (FP32 or BF16), and is deterministic (no atomics). Without kernels in the build each throws.
#pragma once

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>

namespace lps::ops {

// On unless the environment sets LPS_FUSED_KERNELS to 0, off or false (read once); always false when the build
// has no kernels. set_fused_kernels_enabled overrides it for the whole process (tests, benchmarks).
[[nodiscard]] bool fused_kernels_enabled();
void set_fused_kernels_enabled(bool enabled);
// fused_kernels_enabled() and t is a CUDA tensor: the model's test for taking the fused path.
[[nodiscard]] bool use_fused_kernels(const at::Tensor& t);

// Mean cross-entropy (FP32 scalar) of logits [N, V] (FP32 or BF16) against targets [N] (int64), over the rows
// whose target is not ignore_index (torch's cross_entropy, reduction "mean"). The gradient w.r.t. the logits
// is written in their dtype; no FP32 copy of the logits is made.
[[nodiscard]] at::Tensor fused_cross_entropy(const at::Tensor& logits, const at::Tensor& targets,
                                             int64_t ignore_index = -100);
// The per-row losses [N] FP32 (0 for ignored rows) behind fused_cross_entropy.
[[nodiscard]] at::Tensor fused_cross_entropy_rows(const at::Tensor& logits, const at::Tensor& targets,
                                                  int64_t ignore_index = -100);

// RMSNorm over the last dimension: x [..., d] (FP32 or BF16), weight [d] FP32 -> [..., d] in out_dtype
// (FP32 or BF16: BF16 when the consumer would cast to it anyway, e.g. a linear under autocast).
// Gradients: x in x's dtype, weight FP32 (a deterministic reduction).
[[nodiscard]] at::Tensor fused_rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps,
                                        at::ScalarType out_dtype);

// silu(g) · u of gu [..., 2·ff] = [g | u] (the fused gate/up projection) -> [..., ff], gu's dtype.
[[nodiscard]] at::Tensor fused_swiglu(const at::Tensor& gu);

// RoPE on the fused QKV projection: qkv [B, T, 3, H, hd], cos/sin [T, hd/2] FP32 -> {q, k, v}, each
// [B, T, H, hd] contiguous in qkv's dtype (q, k rotated, v copied); .transpose(1, 2) gives attention's
// [B, H, T, hd]. cos and sin get no gradient.
[[nodiscard]] std::array<at::Tensor, 3> fused_rope_qkv(const at::Tensor& qkv, const at::Tensor& cos,
                                                       const at::Tensor& sin);

}  // namespace lps::ops
