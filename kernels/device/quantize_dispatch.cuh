// The two per-chunk entry points of the row and column kernels: the tensor-absmax pass (NVFP4 and FP8
// need A, the max |v| over the finite rotated values, before any scale) and the quantize pass, which picks
// the format's pipeline (folded at compile time in a specialised kernel, a grid-uniform branch in the
// generic one).
#pragma once

#include "quantize_chunk.cuh"

namespace lps::kernels::device {

// This chunk's contribution to A: max |v| over its finite rotated values (0 for padding lanes).
template <int kH, class S, typename Idx>
__device__ __forceinline__ float amax_chunk(float (&v)[kVec], const ChunkPos<Idx>& pos, const QuantizeParams& p,
                                            int lane) {
  rotate_chunk<kH, S>(v, pos, p, lane);
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

// What the quantize pass derives from the tensor absmax A, once per thread: NVFP4's T, FP8's enc and 1/enc
// (each an IEEE division).
struct TensorScales {
  float nv_T = 1.0f;
  Fp8Scales fp8;
};

template <class S>
__device__ __forceinline__ TensorScales tensor_scales(const QuantizeParams& p) {
  TensorScales t;
  const QFormat f = S::format(p);
  if (f == QFormat::kMxfp4) return t;  // MXFP4 needs no A (and has no workspace)
  const float A = *p.workspace;
  if (f == QFormat::kNvfp4) {
    t.nv_T = nvfp4_tensor_scale(A);
  } else {
    t.fp8 = fp8_scales(A, f);
  }
  return t;
}

template <int kH, class S, typename Idx>
__device__ __forceinline__ void quantize_chunk(float (&v)[kVec], const ChunkPos<Idx>& pos, const QuantizeParams& p,
                                               int lane, const TensorScales& t) {
  rotate_chunk<kH, S>(v, pos, p, lane);
  switch (S::format(p)) {
    case QFormat::kMxfp4: mxfp4_chunk<S>(v, pos, p, lane); break;
    case QFormat::kNvfp4: nvfp4_chunk<S>(v, pos, p, lane, t.nv_T); break;
    case QFormat::kFp8E4M3:
    case QFormat::kFp8E5M2: fp8_chunk<S>(v, pos, p, t.fp8); break;
  }
}

enum class Pass { kAmax, kQuantize };

// One chunk of either pass; `acc` accumulates the amax pass's running max.
template <Pass kPass, int kH, class S, typename Idx>
__device__ __forceinline__ void run_chunk(float (&v)[kVec], const ChunkPos<Idx>& pos, const QuantizeParams& p,
                                          int lane, const TensorScales& t, float& acc) {
  if constexpr (kPass == Pass::kAmax) {
    acc = fmaxf(acc, amax_chunk<kH, S>(v, pos, p, lane));
  } else {
    quantize_chunk<kH, S>(v, pos, p, lane, t);
  }
}

// Writes the tensor scale (NVFP4 T, FP8 1/enc) once per launch.
template <class S>
__device__ __forceinline__ void write_tensor_scale(const QuantizeParams& p, const TensorScales& t) {
  if (p.tensor_scale == nullptr) return;
  const QFormat f = S::format(p);
  if (f == QFormat::kNvfp4) {
    *p.tensor_scale = t.nv_T;
  } else if (f != QFormat::kMxfp4) {
    *p.tensor_scale = t.fp8.T;
  }
}

}  // namespace lps::kernels::device
