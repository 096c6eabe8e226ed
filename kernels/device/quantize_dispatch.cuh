// The two per-chunk entry points of the row and column kernels: the tensor-absmax pass (NVFP4 and FP8
// need A, the max |v| over the finite rotated values, before any scale) and the quantize pass, which picks
// the format's pipeline (a grid-uniform branch).
#pragma once

#include "quantize_chunk.cuh"

namespace lps::kernels::device {

// This chunk's contribution to A: max |v| over its finite rotated values (0 for padding lanes).
template <int kH>
__device__ __forceinline__ float amax_chunk(float (&v)[kVec], const ChunkPos& pos, const QuantizeParams& p, int lane) {
  rotate_chunk<kH>(v, pos, p, lane);
  float a = 0.0f;
  if (pos.active) {
#pragma unroll
    for (int i = 0; i < kVec; ++i) {
      if (is_finite(v[i])) a = fmaxf(a, fabsf(v[i]));
    }
  }
  return a;
}

// Block-wide max of each thread's running A, then one atomicMax per block (non-negative floats order like
// their bit patterns). Every thread of the block must call it.
template <int kThreads>
__device__ __forceinline__ void publish_amax(float a, const QuantizeParams& p) {
  __shared__ float warp_max[kThreads / 32];
  a = group_max<32>(a);
  if ((threadIdx.x & 31) == 0) warp_max[threadIdx.x / 32] = a;
  __syncthreads();
  if (threadIdx.x == 0) {
    float m = 0.0f;
#pragma unroll
    for (int w = 0; w < kThreads / 32; ++w) m = fmaxf(m, warp_max[w]);
    if (m > 0.0f) atomicMax(reinterpret_cast<unsigned int*>(p.workspace), __float_as_uint(m));
  }
}

template <int kH>
__device__ __forceinline__ void quantize_chunk(float (&v)[kVec], const ChunkPos& pos, const QuantizeParams& p,
                                               int lane, float A) {
  rotate_chunk<kH>(v, pos, p, lane);
  switch (p.format) {
    case QFormat::kMxfp4: mxfp4_chunk(v, pos, p, lane); break;
    case QFormat::kNvfp4: nvfp4_chunk(v, pos, p, lane, nvfp4_tensor_scale(A)); break;
    case QFormat::kFp8E4M3:
    case QFormat::kFp8E5M2: fp8_chunk(v, pos, p, A); break;
  }
}

// A, read once per thread (MXFP4 needs none).
__device__ __forceinline__ float tensor_amax(const QuantizeParams& p) {
  return p.format == QFormat::kMxfp4 ? 0.0f : *p.workspace;
}

enum class Pass { kAmax, kQuantize };

// One chunk of either pass; `acc` accumulates the amax pass's running max.
template <Pass kPass, int kH>
__device__ __forceinline__ void run_chunk(float (&v)[kVec], const ChunkPos& pos, const QuantizeParams& p, int lane,
                                          float A, float& acc) {
  if constexpr (kPass == Pass::kAmax) {
    acc = fmaxf(acc, amax_chunk<kH>(v, pos, p, lane));
  } else {
    quantize_chunk<kH>(v, pos, p, lane, A);
  }
}

// Writes the tensor scale (NVFP4 T, FP8 1/enc) once per launch.
__device__ __forceinline__ void write_tensor_scale(const QuantizeParams& p) {
  if (p.tensor_scale == nullptr || p.format == QFormat::kMxfp4) return;
  const float A = *p.workspace;
  if (p.format == QFormat::kNvfp4) {
    *p.tensor_scale = nvfp4_tensor_scale(A);
  } else {
    const float enc = fp8_encode_scale(A, p.format == QFormat::kFp8E4M3 ? kE4m3Max : kE5m2Max);
    *p.tensor_scale = __fdiv_rn(1.0f, enc);
  }
}

}  // namespace lps::kernels::device
