// Fused cross-entropy over the vocabulary, forward and backward, reading the logits in their own dtype (BF16
// under autocast) so that no FP32 copy of [rows, vocab] is ever made. One thread block per row; the forward
// is one pass with an online max / sum-of-exponentials, the backward one pass writing the gradient.
// Reference: cross_entropy_ref.h (same semantics, including the NaN/inf cases below).
#pragma once

#include <lps/kernels/fused_math.h>
#include <lps/kernels/stream.h>

#include <cstdint>

namespace lps::kernels {

// logits [rows, vocab] row-major contiguous (FP32 or BF16), targets [rows] int64, loss and lse [rows] FP32,
// all device pointers. Per row r, with m = max(-FLT_MAX, max_j x[r,j]) and s = Σ_j exp(x[r,j] − m):
//   lse[r]  = m + log s
//   loss[r] = (m − x[r, t]) + log s   for t = targets[r] in [0, vocab)
//           = 0                        when t == ignore_index
//           = NaN                      for any other t (out of range: the kernels cannot throw)
LaunchStatus cross_entropy_forward(const void* logits, fused::DType dtype, const int64_t* targets, int64_t rows,
                                   int64_t vocab, int64_t ignore_index, float* loss, float* lse, Stream stream);

// dlogits [rows, vocab] (same dtype as logits, must not alias them):
//   dlogits[r, j] = (exp(x[r,j] − lse[r]) − [j == targets[r]]) · grad_loss[r]   (FP32 math, one rounding)
//                 = 0 for every j of a row whose target is ignore_index.
// grad_loss [rows] FP32 is the gradient of each row's loss (e.g. 1/rows for a mean), read on the device so
// the launch needs no host synchronisation (CUDA-graph safe).
LaunchStatus cross_entropy_backward(const void* logits, fused::DType dtype, const int64_t* targets,
                                    const float* lse, const float* grad_loss, int64_t rows, int64_t vocab,
                                    int64_t ignore_index, void* dlogits, Stream stream);

}  // namespace lps::kernels
