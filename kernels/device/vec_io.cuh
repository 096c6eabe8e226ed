// Vectorised loads and stores of 8 consecutive elements per thread (the unit every quantizer kernel works
// in): 8 BF16 = one 16-byte load, 8 FP32 = two 16-byte loads. Callers guarantee 16-byte alignment.
#pragma once

#include <cuda_bf16.h>

#include <cstdint>

namespace lps::kernels::device {

inline constexpr int kVec = 8;  // elements per thread

// Loads x[0..7] (FP32 or BF16, converted exactly to FP32).
__device__ __forceinline__ void load8(const float* __restrict__ p, float (&v)[kVec]) {
  const float4 a = __ldg(reinterpret_cast<const float4*>(p));
  const float4 b = __ldg(reinterpret_cast<const float4*>(p) + 1);
  v[0] = a.x; v[1] = a.y; v[2] = a.z; v[3] = a.w;
  v[4] = b.x; v[5] = b.y; v[6] = b.z; v[7] = b.w;
}

__device__ __forceinline__ float bf16_bits_to_float(uint32_t bits16) { return __uint_as_float(bits16 << 16); }

__device__ __forceinline__ void load8(const __nv_bfloat16* __restrict__ p, float (&v)[kVec]) {
  const uint4 raw = __ldg(reinterpret_cast<const uint4*>(p));
  const uint32_t w[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    v[2 * i] = bf16_bits_to_float(w[i] & 0xFFFFu);
    v[2 * i + 1] = bf16_bits_to_float(w[i] >> 16);
  }
}

// The raw bytes of 8 consecutive inputs, loaded now and converted later (the row kernel prefetches the next
// row's chunk while it processes this one: 4 registers for BF16, 8 for FP32). Zero-initialised = 8 zeros.
template <typename In>
struct Raw8;
template <>
struct Raw8<__nv_bfloat16> {
  uint4 w = make_uint4(0u, 0u, 0u, 0u);
};
template <>
struct Raw8<float> {
  float4 a = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
  float4 b = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
};

__device__ __forceinline__ Raw8<__nv_bfloat16> load_raw8(const __nv_bfloat16* __restrict__ p) {
  return {__ldg(reinterpret_cast<const uint4*>(p))};
}
__device__ __forceinline__ Raw8<float> load_raw8(const float* __restrict__ p) {
  return {__ldg(reinterpret_cast<const float4*>(p)), __ldg(reinterpret_cast<const float4*>(p) + 1)};
}

__device__ __forceinline__ void to_floats(const Raw8<__nv_bfloat16>& r, float (&v)[kVec]) {
  const uint32_t w[4] = {r.w.x, r.w.y, r.w.z, r.w.w};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    v[2 * i] = __uint_as_float(w[i] << 16);
    v[2 * i + 1] = __uint_as_float(w[i] & 0xFFFF0000u);
  }
}
__device__ __forceinline__ void to_floats(const Raw8<float>& r, float (&v)[kVec]) {
  v[0] = r.a.x; v[1] = r.a.y; v[2] = r.a.z; v[3] = r.a.w;
  v[4] = r.b.x; v[5] = r.b.y; v[6] = r.b.z; v[7] = r.b.w;
}

// Scalar load (column path: smem staging reads one element at a time).
__device__ __forceinline__ float load1(const float* __restrict__ p) { return __ldg(p); }
__device__ __forceinline__ float load1(const __nv_bfloat16* __restrict__ p) {
  return bf16_bits_to_float(__ldg(reinterpret_cast<const unsigned short*>(p)));
}

// Stores 8 values as FP32 or BF16 (round to nearest even; the dequantised values of FP4/FP8 formats with
// power-of-two scales are exact in BF16).
__device__ __forceinline__ void store8(float* __restrict__ p, const float (&v)[kVec]) {
  reinterpret_cast<float4*>(p)[0] = make_float4(v[0], v[1], v[2], v[3]);
  reinterpret_cast<float4*>(p)[1] = make_float4(v[4], v[5], v[6], v[7]);
}

__device__ __forceinline__ uint32_t pack_bf16x2(float lo, float hi) {
  const __nv_bfloat162 h = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<const uint32_t*>(&h);
}

__device__ __forceinline__ void store8(__nv_bfloat16* __restrict__ p, const float (&v)[kVec]) {
  uint4 out;
  out.x = pack_bf16x2(v[0], v[1]);
  out.y = pack_bf16x2(v[2], v[3]);
  out.z = pack_bf16x2(v[4], v[5]);
  out.w = pack_bf16x2(v[6], v[7]);
  *reinterpret_cast<uint4*>(p) = out;
}

}  // namespace lps::kernels::device
