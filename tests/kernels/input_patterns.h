// Inputs for the kernel-vs-reference tests: random and adversarial [rows, cols] FP32 matrices. Plain C++
// (no torch, no CUDA) so their properties are tested on any machine (input_patterns_test.cc).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace lps::test {

enum class Pattern {
  kGaussian,     // N(0, 1)
  kHeavyTail,    // N(0, 1) with 1% outliers ×1000
  kZeros,        // all zero, with some negative zeros
  kTies,         // multiples of 0.25·2^e: many values land exactly on E2M1/E4M3 rounding ties
  kSubnormals,   // FP32 subnormals and tiny normals
  kHuge,         // magnitudes near FP32 max
  kNonFinite,    // Gaussian with sprinkled +inf, -inf and NaN
  kEqualGroups,  // every 16 consecutive values equal (groups of one value, incl. sign)
  kWideSpan,     // 32-value groups alternating scale 1 and 2^-20 (1×128 blocks spanning > 14 binades)
};

inline const std::vector<Pattern>& all_patterns() {
  static const std::vector<Pattern> kAll{Pattern::kGaussian,   Pattern::kHeavyTail, Pattern::kZeros,
                                         Pattern::kTies,       Pattern::kSubnormals, Pattern::kHuge,
                                         Pattern::kNonFinite,  Pattern::kEqualGroups, Pattern::kWideSpan};
  return kAll;
}

inline std::string pattern_name(Pattern p) {
  switch (p) {
    case Pattern::kGaussian: return "gaussian";
    case Pattern::kHeavyTail: return "heavy_tail";
    case Pattern::kZeros: return "zeros";
    case Pattern::kTies: return "ties";
    case Pattern::kSubnormals: return "subnormals";
    case Pattern::kHuge: return "huge";
    case Pattern::kNonFinite: return "non_finite";
    case Pattern::kEqualGroups: return "equal_groups";
    case Pattern::kWideSpan: return "wide_span";
  }
  return "?";
}

// Row-major [rows, cols]; deterministic in (pattern, seed).
inline std::vector<float> make_input(Pattern pattern, int64_t rows, int64_t cols, uint64_t seed) {
  const auto n = static_cast<size_t>(rows * cols);
  std::vector<float> x(n);
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(pattern));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> small(0, 31);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  switch (pattern) {
    case Pattern::kGaussian:
      for (auto& v : x) v = normal(rng);
      break;
    case Pattern::kHeavyTail:
      for (auto& v : x) v = normal(rng) * (unit(rng) < 0.01f ? 1000.0f : 1.0f);
      break;
    case Pattern::kZeros:
      for (size_t i = 0; i < n; ++i) x[i] = (i % 3 == 0) ? -0.0f : 0.0f;
      break;
    case Pattern::kTies:
      // k · 0.25 · 2^e with k in [-31, 31], e in [-2, 2]: halves and quarters of grid points everywhere.
      for (auto& v : x) v = std::ldexp(0.25f * static_cast<float>(small(rng) - 15), small(rng) % 5 - 2);
      break;
    case Pattern::kSubnormals:
      for (auto& v : x) {
        const float tiny = std::numeric_limits<float>::denorm_min() * static_cast<float>(1 + small(rng) * 1000);
        v = (unit(rng) < 0.5f ? tiny : std::ldexp(normal(rng), -120)) * (unit(rng) < 0.5f ? -1.0f : 1.0f);
      }
      break;
    case Pattern::kHuge:
      for (auto& v : x) v = std::numeric_limits<float>::max() * (unit(rng) * 2.0f - 1.0f);
      break;
    case Pattern::kNonFinite:
      for (auto& v : x) {
        const float u = unit(rng);
        v = u < 0.002f   ? std::numeric_limits<float>::infinity()
            : u < 0.004f ? -std::numeric_limits<float>::infinity()
            : u < 0.006f ? std::numeric_limits<float>::quiet_NaN()
                         : normal(rng);
      }
      break;
    case Pattern::kEqualGroups:
      for (size_t i = 0; i < n; i += 16) {
        const float v = normal(rng);
        for (size_t j = i; j < i + 16 && j < n; ++j) x[j] = v;
      }
      break;
    case Pattern::kWideSpan:
      for (size_t i = 0; i < n; ++i) {
        const bool tiny_group = ((i % static_cast<size_t>(cols)) / 32) % 2 == 1;
        x[i] = normal(rng) * (tiny_group ? 0x1p-20f : 1.0f);
      }
      break;
  }
  return x;
}

}  // namespace lps::test
