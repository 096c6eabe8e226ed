// SwiGLU's per-element math, shared by kernels/swiglu.cu and the reference (swiglu_ref.h). The caller passes
// e = exp(−g): CUDA's expf on the GPU, std::exp on the host — the one place the two may differ (≤ 2 ulp).
#pragma once

#include <lps/kernels/fused_math.h>

namespace lps::kernels::fused {

// silu(g) · u = g / (1 + e) · u
LPS_HD float swiglu_value(float g, float u, float e) { return mul_rn(div_rn(g, add_rn(1.0f, e)), u); }

struct SwigluGrad {
  float dg;
  float du;
};

LPS_HD SwigluGrad swiglu_grad(float g, float u, float dact, float e) {
  const float sig = div_rn(1.0f, add_rn(1.0f, e));
  const float dsilu = mul_rn(sig, fma_rn(g, sub_rn(1.0f, sig), 1.0f));  // σ · (1 + g·(1 − σ))
  return {mul_rn(mul_rn(dact, u), dsilu), mul_rn(dact, mul_rn(g, sig))};
}

}  // namespace lps::kernels::fused
