// Scalar element access by dtype for the fused model kernels: FP32 as is, BF16 widened exactly on load and
// rounded to nearest even on store (fused_math.h's conversions, shared with the host references).
#pragma once

#include <lps/kernels/fused_math.h>

#include <cuda_bf16.h>

#include <cstdint>

namespace lps::kernels::device {

__device__ __forceinline__ float load_elem(const float* p, int64_t i) { return p[i]; }
__device__ __forceinline__ float load_elem(const __nv_bfloat16* p, int64_t i) {
  return fused::bf16_bits_to_float(reinterpret_cast<const uint16_t*>(p)[i]);
}
__device__ __forceinline__ void store_elem(float* p, int64_t i, float v) { p[i] = v; }
__device__ __forceinline__ void store_elem(__nv_bfloat16* p, int64_t i, float v) {
  reinterpret_cast<uint16_t*>(p)[i] = fused::float_to_bf16_bits(v);
}

// Calls f(T{}) with T = float or __nv_bfloat16 for a fused::DType (the pointer types the kernels take).
template <class F>
void with_dtype(fused::DType dtype, F&& f) {
  if (dtype == fused::DType::kBf16) {
    f(__nv_bfloat16{});
  } else {
    f(float{});
  }
}

}  // namespace lps::kernels::device
