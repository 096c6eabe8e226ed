// Block Walsh–Hadamard butterfly in the exact FP32 operation order documented in hadamard.h.
#include <lps/core/error.h>
#include <lps/quant/hadamard.h>

namespace lps::quant {
namespace {

void butterfly(float* v, int n) {
  for (int h = 1; h < n; h *= 2) {
    for (int j = 0; j < n; ++j) {
      if ((j & h) != 0) continue;
      const float a = v[j];
      const float b = v[j + h];
      v[j] = a + b;
      v[j + h] = a - b;
    }
  }
}

}  // namespace

bool is_hadamard_size(int n) {
  return n == 16 || n == 32 || n == 64 || n == 128;
}

float hadamard_scale(int n) {
  switch (n) {
    case 16: return 0.25f;
    case 32: return 0.17677669529663687f;
    case 64: return 0.125f;
    case 128: return 0.08838834764831845f;
    default: break;
  }
  LPS_CHECK(false, "hadamard block size must be 16, 32, 64 or 128, got {}", n);
  return 0.0f;
}

void hadamard_forward(float* v, int n, const float* signs) {
  const float c = hadamard_scale(n);
  if (signs != nullptr)
    for (int j = 0; j < n; ++j) v[j] *= signs[j];
  butterfly(v, n);
  for (int j = 0; j < n; ++j) v[j] *= c;
}

void hadamard_inverse(float* v, int n, const float* signs) {
  const float c = hadamard_scale(n);
  butterfly(v, n);
  for (int j = 0; j < n; ++j) v[j] *= c;
  if (signs != nullptr)
    for (int j = 0; j < n; ++j) v[j] *= signs[j];
}

}  // namespace lps::quant
