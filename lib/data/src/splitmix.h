// SplitMix64: the small counter-based generator behind every seeded choice in lib/data.
#pragma once

#include <cstdint>

namespace lps::data {

// The SplitMix64 finaliser: a bijective 64-bit mix.
[[nodiscard]] inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Advances the state and returns the next value.
[[nodiscard]] inline uint64_t next_u64(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  return mix64(state);
}

// A uniform double in [0, 1) from the top 53 bits.
[[nodiscard]] inline double to_unit(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

}  // namespace lps::data
