// Plain C++ reference of kernels/swiglu.cu (header-only, no CUDA, no torch): the kernel's math
// (swiglu_math.h) with the host's exp; outputs unrounded FP32 (the caller rounds to BF16 where the kernel
// stores BF16).
#pragma once

#include <lps/kernels/swiglu_math.h>

#include <cmath>
#include <cstdint>

namespace lps::kernels::ref {

// gu [rows, 2·ff] -> act [rows, ff]
inline void swiglu_forward(const float* gu, int64_t rows, int64_t ff, float* act) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < ff; ++j) {
      const float g = gu[r * 2 * ff + j], u = gu[r * 2 * ff + ff + j];
      act[r * ff + j] = fused::swiglu_value(g, u, std::exp(-g));
    }
}

// gu [rows, 2·ff], dact [rows, ff] -> dgu [rows, 2·ff]
inline void swiglu_backward(const float* gu, const float* dact, int64_t rows, int64_t ff, float* dgu) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < ff; ++j) {
      const float g = gu[r * 2 * ff + j], u = gu[r * 2 * ff + ff + j];
      const auto d = fused::swiglu_grad(g, u, dact[r * ff + j], std::exp(-g));
      dgu[r * 2 * ff + j] = d.dg;
      dgu[r * 2 * ff + ff + j] = d.du;
    }
}

}  // namespace lps::kernels::ref
