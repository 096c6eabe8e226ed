// A "lane group": kLanes consecutive lanes of a warp (kLanes a power of two, 1..32) that together hold one
// quantization group or one Hadamard block, kVec elements each, in element order (lane 0 of the group
// holds elements 0..7). Reductions and exchanges across a group are warp shuffles.
#pragma once

#include <cstdint>

namespace lps::kernels::device {

inline constexpr unsigned kFullMask = 0xFFFFFFFFu;

// Max over the group's lanes (every lane gets the result). fmaxf drops NaN operands; callers that must
// propagate NaN reduce a separate flag.
template <int kLanes>
__device__ __forceinline__ float group_max(float v) {
#pragma unroll
  for (int o = 1; o < kLanes; o <<= 1) v = fmaxf(v, __shfl_xor_sync(kFullMask, v, o));
  return v;
}

template <int kLanes>
__device__ __forceinline__ bool group_any(bool b) {
  unsigned u = b ? 1u : 0u;
#pragma unroll
  for (int o = 1; o < kLanes; o <<= 1) u |= __shfl_xor_sync(kFullMask, u, o);
  return u != 0;
}

// Pairwise (tree) sum over the group's lanes, the same on every lane: lane partial sums are combined as
// ((l0 + l1) + (l2 + l3)) + ... , i.e. xor-butterfly order.
template <int kLanes>
__device__ __forceinline__ float group_sum_tree(float v) {
#pragma unroll
  for (int o = 1; o < kLanes; o <<= 1) v += __shfl_xor_sync(kFullMask, v, o);
  return v;
}

// Sequential sum over the group's lanes in lane order: (((l0 + l1) + l2) + l3) ..., the same on every lane.
// Used where the reference sums left to right.
template <int kLanes>
__device__ __forceinline__ float group_sum_sequential(float partial, int lane_in_group) {
  const int lane = static_cast<int>(threadIdx.x & 31);
  const int base = lane - lane_in_group;
  float acc = __shfl_sync(kFullMask, partial, base);
#pragma unroll
  for (int i = 1; i < kLanes; ++i) acc += __shfl_sync(kFullMask, partial, base + i);
  return acc;
}

template <int kLanes>
__device__ __forceinline__ double group_sum_sequential(double partial, int lane_in_group) {
  const int lane = static_cast<int>(threadIdx.x & 31);
  const int base = lane - lane_in_group;
  double acc = __shfl_sync(kFullMask, partial, base);
#pragma unroll
  for (int i = 1; i < kLanes; ++i) acc += __shfl_sync(kFullMask, partial, base + i);
  return acc;
}

}  // namespace lps::kernels::device
