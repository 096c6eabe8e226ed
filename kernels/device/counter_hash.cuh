// The counter-based generator behind stochastic rounding and random Hadamard signs, bit-identical to
// lps/quant/counter_rng.h (the host derives the 64-bit key of a call; the device hashes (key, counter)):
//   lowbias32(x):    x ^= x >> 16; x *= 0x7FEB352D; x ^= x >> 15; x *= 0x846CA68B; x ^= x >> 16
//   hash32(key, i) = lowbias32(lowbias32(lo32(i) ^ lo32(key)) ^ hi32(key) ^ hi32(i))
//   uniform24      = hash32 >> 8 (u = u24 · 2^-24);  random sign of position k = top bit of hash32(key, k)
#pragma once

#include <cstdint>

namespace lps::kernels::device {

__device__ __forceinline__ uint32_t lowbias32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7FEB352Du;
  x ^= x >> 15;
  x *= 0x846CA68Bu;
  x ^= x >> 16;
  return x;
}

__device__ __forceinline__ uint32_t hash32(uint64_t key, uint64_t i) {
  const uint32_t a = lowbias32(static_cast<uint32_t>(i) ^ static_cast<uint32_t>(key));
  return lowbias32(a ^ static_cast<uint32_t>(key >> 32) ^ static_cast<uint32_t>(i >> 32));
}

__device__ __forceinline__ uint32_t uniform24(uint64_t key, uint64_t i) { return hash32(key, i) >> 8; }

// u = u24 · 2^-24, exact in FP32.
__device__ __forceinline__ float uniform01(uint64_t key, uint64_t i) {
  return static_cast<float>(uniform24(key, i)) * 5.9604644775390625e-8f;
}

// x · random_sign(key, k): flips the sign bit when the hash's top bit is set (exact).
__device__ __forceinline__ float apply_random_sign(float x, uint64_t key, uint64_t k) {
  return __uint_as_float(__float_as_uint(x) ^ (hash32(key, k) & 0x80000000u));
}

}  // namespace lps::kernels::device
