// Block-wide reductions of the fused row kernels, in a fixed order (deterministic run to run):
// a butterfly over the 32 lanes of each warp (fused_math.h), then warp 0 combines the warps' values in the
// same butterfly. blockDim.x must be a multiple of 32 and at most 1024.
#pragma once

#include <lps/kernels/fused_math.h>

#include <cfloat>

namespace lps::kernels::device {

inline constexpr unsigned kFullMask = 0xffffffffu;

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int offset = fused::kWarp / 2; offset > 0; offset /= 2)
    v = fused::add_rn(v, __shfl_xor_sync(kFullMask, v, offset));
  return v;
}

// A running (max m, Σ exp(x − m)) pair of the online softmax. The identity is (−FLT_MAX, 0): a finite
// sentinel, so that combining two empty partials never computes exp(−inf − −inf).
struct MaxSum {
  float m;
  float s;
};

__device__ __forceinline__ MaxSum max_sum_identity() { return {-FLT_MAX, 0.0f}; }

// Symmetric in its arguments (bit for bit), so every lane of the butterfly ends with the same pair.
__device__ __forceinline__ MaxSum combine(MaxSum a, MaxSum b) {
  const float m = fmaxf(a.m, b.m);
  return {m, fused::add_rn(fused::mul_rn(a.s, expf(a.m - m)), fused::mul_rn(b.s, expf(b.m - m)))};
}

__device__ __forceinline__ MaxSum warp_max_sum(MaxSum v) {
#pragma unroll
  for (int offset = fused::kWarp / 2; offset > 0; offset /= 2) {
    const MaxSum other{__shfl_xor_sync(kFullMask, v.m, offset), __shfl_xor_sync(kFullMask, v.s, offset)};
    v = combine(v, other);
  }
  return v;
}

// Every thread of the block gets the block's pair. `scratch` holds at least 32 pairs (shared memory).
__device__ __forceinline__ MaxSum block_max_sum(MaxSum v, MaxSum* scratch) {
  const int lane = threadIdx.x % fused::kWarp, warp = threadIdx.x / fused::kWarp;
  const int warps = blockDim.x / fused::kWarp;
  v = warp_max_sum(v);
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  if (warp == 0) {
    MaxSum w = lane < warps ? scratch[lane] : max_sum_identity();
    w = warp_max_sum(w);
    if (lane == 0) scratch[0] = w;
  }
  __syncthreads();
  return scratch[0];
}

}  // namespace lps::kernels::device
