// Counter-based randomness for stochastic rounding and random Hadamard signs: no state, so a resumed run
// (same seed, step, tensor id, call) draws the same bits, and a CUDA thread can draw for any element.
//
// A draw is keyed by a 64-bit `key` (derived once per call on the host) and a 64-bit counter `i`:
//
//   lowbias32(x):  x ^= x >> 16; x *= 0x7FEB352D; x ^= x >> 15; x *= 0x846CA68B; x ^= x >> 16;
//   hash32(key, i) = lowbias32( lowbias32(lo32(i) ^ lo32(key)) ^ hi32(key) ^ hi32(i) )
//   uniform24(key, i) = hash32(key, i) >> 8                     (in [0, 2^24); u = uniform24 · 2^-24)
//   random_sign(key, k) = (hash32(key, k) >> 31) ? -1 : +1      (sign of position k along K)
//
// (all arithmetic uint32 with wrap-around). The key of a call:
//
//   mix64(z):  z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27; z *= 0x94D049BB133111EB; z ^= z >> 31;
//   derive_key(seed, step, tensor_id, call, stream) =
//       mix64(mix64(mix64(mix64(seed ^ 0x6C70737765657021) ^ step) ^ tensor_id) ^ call) ^ stream)
//
// `stream` separates the independent draws of one linear call (kStream* below). Counter `i` for SR is the
// element's logical index in the operand's [rows, K] view, i = row·K + k, independent of memory layout, so
// quantizing a transposed operand through strides draws the same bits as quantizing its contiguous copy.
#pragma once

#include <cstdint>

namespace lps::quant {

// Streams of one linear call. Random signs are shared by the two operands of a GEMM (so H·D cancels).
inline constexpr uint64_t kStreamSignsDx = 1;   // signs along K = out of the input-gradient GEMM
inline constexpr uint64_t kStreamSignsDw = 2;   // signs along K = tokens of the weight-gradient GEMM
inline constexpr uint64_t kStreamSignsFwd = 3;  // signs along K = in of the forward GEMM (if a scheme asks)
inline constexpr uint64_t kStreamSrBase = 16;   // SR of operand o (quant::Operand) uses kStreamSrBase + o

[[nodiscard]] constexpr uint64_t mix64(uint64_t z) {
  z ^= z >> 30;
  z *= 0xBF58476D1CE4E5B9ull;
  z ^= z >> 27;
  z *= 0x94D049BB133111EBull;
  z ^= z >> 31;
  return z;
}

[[nodiscard]] constexpr uint32_t lowbias32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7FEB352Du;
  x ^= x >> 15;
  x *= 0x846CA68Bu;
  x ^= x >> 16;
  return x;
}

[[nodiscard]] constexpr uint64_t derive_key(uint64_t seed, int64_t step, uint64_t tensor_id, uint64_t call,
                                            uint64_t stream) {
  uint64_t z = mix64(seed ^ 0x6C70737765657021ull);
  z = mix64(z ^ static_cast<uint64_t>(step));
  z = mix64(z ^ tensor_id);
  z = mix64(z ^ call);
  return mix64(z ^ stream);
}

[[nodiscard]] constexpr uint32_t hash32(uint64_t key, uint64_t i) {
  const uint32_t a = lowbias32(static_cast<uint32_t>(i) ^ static_cast<uint32_t>(key));
  return lowbias32(a ^ static_cast<uint32_t>(key >> 32) ^ static_cast<uint32_t>(i >> 32));
}

[[nodiscard]] constexpr uint32_t uniform24(uint64_t key, uint64_t i) {
  return hash32(key, i) >> 8;
}

[[nodiscard]] constexpr float random_sign(uint64_t key, uint64_t k) {
  return (hash32(key, k) >> 31) != 0 ? -1.0f : 1.0f;
}

}  // namespace lps::quant
