// Host/device arithmetic shared by the fused model kernels (kernels/{cross_entropy,rms_norm,swiglu,rope}.cu)
// and their plain C++ references (*_ref.h): explicitly rounded float operations (so neither nvcc nor the host
// compiler contracts a*b+c into an FMA behind our back), BF16 conversions, the warp reduction order and the
// row geometry. A reference that replays the kernel's order with these helpers matches it bit for bit;
// where a transcendental (exp, log) is involved the tests state a tolerance instead.
// Plain C++ when included by host code (no CUDA headers needed).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define LPS_HD __host__ __device__ __forceinline__
#else
#define LPS_HD inline
#endif

namespace lps::kernels::fused {

inline constexpr int kWarp = 32;  // lanes per warp: the butterfly reductions below are over 32 partials

// Element types of the fused kernels' tensors (BF16 is stored as its 16 bits).
enum class DType : uint8_t { kF32, kBf16 };

LPS_HD float mul_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
LPS_HD float add_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
LPS_HD float sub_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}
LPS_HD float div_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}
LPS_HD float sqrt_rn(float a) {
#if defined(__CUDA_ARCH__)
  return __fsqrt_rn(a);
#else
  return std::sqrt(a);
#endif
}
// a·b + c with one rounding (the FMA instruction on the GPU, std::fma on the host; both exact-then-round).
LPS_HD float fma_rn(float a, float b, float c) {
#if defined(__CUDA_ARCH__)
  return __fmaf_rn(a, b, c);
#else
  return std::fma(a, b, c);
#endif
}

// BF16 <-> FP32 by bits: widening is exact; narrowing rounds to nearest even and keeps NaNs quiet NaNs
// (what __float2bfloat16_rn and torch's BFloat16 do).
LPS_HD float bf16_bits_to_float(uint16_t bits) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(static_cast<uint32_t>(bits) << 16);
#else
  const uint32_t u = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
#endif
}
LPS_HD uint16_t float_to_bf16_bits(float f) {
#if defined(__CUDA_ARCH__)
  uint32_t u = __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
#endif
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}
// The BF16 value nearest to f, as a float (what storing to BF16 and loading back gives).
LPS_HD float round_to_bf16(float f) { return bf16_bits_to_float(float_to_bf16_bits(f)); }

// The warp reduction every row kernel uses: lane l holds v[l]; for offset 16, 8, 4, 2, 1 every lane adds its
// partner l^offset's value (__shfl_xor_sync). Addition commutes exactly, so all lanes end with the same sum;
// this is the host replay of that order.
inline float butterfly_sum_host(const float (&lanes)[kWarp]) {
  float v[kWarp];
  for (int l = 0; l < kWarp; ++l) v[l] = lanes[l];
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    float next[kWarp];
    for (int l = 0; l < kWarp; ++l) next[l] = add_rn(v[l], v[l ^ offset]);
    for (int l = 0; l < kWarp; ++l) v[l] = next[l];
  }
  return v[0];
}

}  // namespace lps::kernels::fused
