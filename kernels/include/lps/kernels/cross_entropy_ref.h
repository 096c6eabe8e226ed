// Plain C++ reference of kernels/cross_entropy.cu (header-only, no CUDA, no torch): the same definitions
// (cross_entropy.h), computed per row in double and rounded once. The GPU kernels sum the exponentials in a
// different order with CUDA's expf, so tests compare with a stated tolerance, not bit for bit.
#pragma once

#include <lps/kernels/fused_math.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace lps::kernels::ref {

struct CrossEntropyRow {
  double lse = 0;   // m + log s
  double loss = 0;  // (m − x[t]) + log s, 0 when ignored, NaN for a target out of range
};

// x: one row of `vocab` logits (already widened to float).
inline CrossEntropyRow cross_entropy_row(const float* x, int64_t vocab, int64_t target, int64_t ignore_index) {
  double m = -static_cast<double>(FLT_MAX);
  for (int64_t j = 0; j < vocab; ++j) m = std::fmax(m, static_cast<double>(x[j]));
  double s = 0;
  for (int64_t j = 0; j < vocab; ++j) s += std::exp(static_cast<double>(x[j]) - m);
  CrossEntropyRow row;
  row.lse = m + std::log(s);
  if (target == ignore_index) {
    row.loss = 0;
  } else if (target < 0 || target >= vocab) {
    row.loss = std::numeric_limits<double>::quiet_NaN();
  } else {
    row.loss = (m - static_cast<double>(x[target])) + std::log(s);
  }
  return row;
}

// logits [rows, vocab] (float), targets [rows] -> loss, lse [rows] (float).
inline void cross_entropy_forward(const float* logits, const int64_t* targets, int64_t rows, int64_t vocab,
                                  int64_t ignore_index, float* loss, float* lse) {
  for (int64_t r = 0; r < rows; ++r) {
    const auto row = cross_entropy_row(logits + r * vocab, vocab, targets[r], ignore_index);
    loss[r] = static_cast<float>(row.loss);
    lse[r] = static_cast<float>(row.lse);
  }
}

// The unrounded gradient (before the kernel's store in the logits' dtype): [rows, vocab] double.
inline std::vector<double> cross_entropy_backward(const float* logits, const int64_t* targets, const float* lse,
                                                  const float* grad_loss, int64_t rows, int64_t vocab,
                                                  int64_t ignore_index) {
  std::vector<double> d(static_cast<size_t>(rows * vocab), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    if (targets[r] == ignore_index) continue;
    for (int64_t j = 0; j < vocab; ++j) {
      const double p = std::exp(static_cast<double>(logits[r * vocab + j]) - static_cast<double>(lse[r]));
      d[static_cast<size_t>(r * vocab + j)] = (p - (j == targets[r] ? 1.0 : 0.0)) * static_cast<double>(grad_loss[r]);
    }
  }
  return d;
}

}  // namespace lps::kernels::ref
