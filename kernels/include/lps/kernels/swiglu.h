// Fused SwiGLU, forward and backward, on the fused gate/up projection's output (FP32 math, one rounding per
// stored value). Elementwise: a thread per element (8 per thread, vectorised, when ff % 8 == 0 and the
// pointers are 16-byte aligned). Math: swiglu_math.h, shared with the reference in swiglu_ref.h.
#pragma once

#include <lps/kernels/fused_math.h>
#include <lps/kernels/stream.h>

#include <cstdint>

namespace lps::kernels {

// gu [rows, 2·ff] row-major (gate g = gu[:, :ff], up u = gu[:, ff:]) -> act [rows, ff] = silu(g) · u,
// with silu(g) = g / (1 + exp(−g)). gu and act have the same dtype.
LaunchStatus swiglu_forward(const void* gu, void* act, fused::DType dtype, int64_t rows, int64_t ff, Stream stream);

// dact [rows, ff] -> dgu [rows, 2·ff] (same dtype): with σ = 1 / (1 + exp(−g)),
//   dgu[:, :ff] = dact · u · σ · (1 + g · (1 − σ)),   dgu[:, ff:] = dact · g · σ.
LaunchStatus swiglu_backward(const void* gu, const void* dact, void* dgu, fused::DType dtype, int64_t rows,
                             int64_t ff, Stream stream);

}  // namespace lps::kernels
