// Block Walsh–Hadamard transform of size kH (16, 32, 64, 128) over a lane group of kH/8 lanes holding 8
// elements each. The butterfly order is the textbook in-place fast transform — stage h = 1, 2, 4, ...,
// kH/2, each pair (a, b) = (x[i], x[i+h]) becoming (a + b, a - b) — so each output is produced by exactly
// the FP32 operations, in the same order, as the scalar reference; the 1/sqrt(kH) normalisation is one
// multiplication at the end.
#pragma once

#include "lane_group.cuh"
#include "vec_io.cuh"

namespace lps::kernels::device {

// In-thread stages h = 1, 2, 4 over v[0..7].
__device__ __forceinline__ void hadamard8_in_thread(float (&v)[kVec]) {
#pragma unroll
  for (int h = 1; h < kVec; h <<= 1) {
#pragma unroll
    for (int i = 0; i < kVec; ++i) {
      if ((i & h) == 0) {
        const float a = v[i];
        const float b = v[i + h];
        v[i] = a + b;
        v[i + h] = a - b;
      }
    }
  }
}

// Unnormalised transform of size kH; lane_in_block = this lane's index within its kH/8-lane block.
template <int kH>
__device__ __forceinline__ void hadamard_unnormalised(float (&v)[kVec], int lane_in_block) {
  static_assert(kH == 16 || kH == 32 || kH == 64 || kH == 128, "block Hadamard size must be 16..128");
  hadamard8_in_thread(v);
#pragma unroll
  for (int lane_bit = 1; lane_bit < kH / kVec; lane_bit <<= 1) {
    // lower lane holds a (x[i]), upper lane holds b (x[i+h]): lower gets a + b, upper gets a - b, i.e.
    // fma(v, ±1, other) — one exactly rounded add, the same bits as the FADD (IEEE addition commutes).
    const float sign = (lane_in_block & lane_bit) != 0 ? -1.0f : 1.0f;
#pragma unroll
    for (int i = 0; i < kVec; ++i) {
      const float other = __shfl_xor_sync(kFullMask, v[i], lane_bit);
      v[i] = __fmaf_rn(v[i], sign, other);
    }
  }
}

}  // namespace lps::kernels::device
