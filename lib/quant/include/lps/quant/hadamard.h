// Block Walsh–Hadamard rotation, normalised (orthogonal), with optional random signs applied BEFORE the
// transform: y = H_n · D · x / √n on each consecutive block of n values along K (n = 16, 32, 64, 128),
// D = diag(random_sign(sign_key, k)) over the absolute K index k (counter_rng.h). Signs after H would
// merely permute signs of the outputs and remove the randomisation (a published bug), hence the order.
//
// Bit-exact definition (what the CUDA kernels reproduce):
//   1. v[j] = x[j] · d[j]              (exact; d = ±1)
//   2. for h = 1, 2, 4, ..., n/2:       for every j with (j & h) == 0:
//          a = v[j]; b = v[j + h]; v[j] = a + b; v[j + h] = a - b     (FP32, no FMA)
//   3. v[j] = v[j] · c_n,  c_n = hadamard_scale(n) = (float)(1/√n): 0.25, 0.17677669, 0.125, 0.088388346
// H is symmetric, so the inverse rotation is the same butterfly followed by D.
#pragma once

#include <cstdint>

namespace lps::quant {

// True for the supported block sizes 16, 32, 64, 128.
[[nodiscard]] bool is_hadamard_size(int n);
// (float)(1/sqrt(n)).
[[nodiscard]] float hadamard_scale(int n);

// In place on v[0..n): v <- H_n · D · v / √n. signs: n values ±1, or nullptr for D = I.
void hadamard_forward(float* v, int n, const float* signs);
// In place: v <- D · H_n · v / √n (the inverse of hadamard_forward with the same signs).
void hadamard_inverse(float* v, int n, const float* signs);

}  // namespace lps::quant
