// Fused cross-entropy (cross_entropy.h): device helpers, the forward and backward row kernels, launchers.
// One block of kThreads per row. The vectorised path (8 elements = one 16-byte BF16 load) needs vocab % 8 == 0
// and 16-byte aligned pointers; otherwise the scalar path runs (same math, element at a time).
#include "device/elem_io.cuh"
#include "device/row_reduce.cuh"
#include "device/vec_io.cuh"

#include <lps/kernels/cross_entropy.h>
#include <lps/kernels/cuda_check.h>

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace lps::kernels {
namespace {

constexpr int kThreads = 256;
constexpr int64_t kMaxRows = 2147483647;  // gridDim.x

using device::kVec;
using device::MaxSum;

using device::load_elem;
using device::store_elem;

// Folds one element into the running pair.
__device__ __forceinline__ MaxSum fold1(MaxSum a, float x) {
  const float m = fmaxf(a.m, x);
  return {m, fused::add_rn(fused::mul_rn(a.s, expf(a.m - m)), expf(x - m))};
}

template <class T, bool kVectorised>
__global__ void __launch_bounds__(kThreads) ce_forward_kernel(const T* __restrict__ logits,
                                                              const int64_t* __restrict__ targets, int64_t vocab,
                                                              int64_t ignore_index, float* __restrict__ loss,
                                                              float* __restrict__ lse) {
  __shared__ MaxSum scratch[fused::kWarp];
  const int64_t r = blockIdx.x;
  const T* row = logits + r * vocab;
  MaxSum acc = device::max_sum_identity();
  if constexpr (kVectorised) {
    for (int64_t v = threadIdx.x; v * kVec < vocab; v += blockDim.x) {
      float x[kVec];
      device::load8(row + v * kVec, x);
      float m8 = x[0];
#pragma unroll
      for (int i = 1; i < kVec; ++i) m8 = fmaxf(m8, x[i]);
      const float m = fmaxf(acc.m, m8);
      float s = fused::mul_rn(acc.s, expf(acc.m - m));
#pragma unroll
      for (int i = 0; i < kVec; ++i) s = fused::add_rn(s, expf(x[i] - m));
      acc = {m, s};
    }
  } else {
    for (int64_t j = threadIdx.x; j < vocab; j += blockDim.x) acc = fold1(acc, load_elem(row, j));
  }
  acc = device::block_max_sum(acc, scratch);
  if (threadIdx.x == 0) {
    const float log_s = logf(acc.s);
    const int64_t t = targets[r];
    lse[r] = fused::add_rn(acc.m, log_s);
    float l;
    if (t == ignore_index) {
      l = 0.0f;
    } else if (t < 0 || t >= vocab) {
      l = __int_as_float(0x7fc00000);  // quiet NaN: an out-of-range target
    } else {
      l = fused::add_rn(fused::sub_rn(acc.m, load_elem(row, t)), log_s);
    }
    loss[r] = l;
  }
}

template <class T, bool kVectorised>
__global__ void __launch_bounds__(kThreads) ce_backward_kernel(const T* __restrict__ logits,
                                                               const int64_t* __restrict__ targets,
                                                               const float* __restrict__ lse,
                                                               const float* __restrict__ grad_loss, int64_t vocab,
                                                               int64_t ignore_index, T* __restrict__ dlogits) {
  const int64_t r = blockIdx.x;
  const int64_t t = targets[r];
  const bool ignored = t == ignore_index;
  const float row_lse = lse[r], g = ignored ? 0.0f : grad_loss[r];
  const T* row = logits + r * vocab;
  T* drow = dlogits + r * vocab;
  if constexpr (kVectorised) {
    for (int64_t v = threadIdx.x; v * kVec < vocab; v += blockDim.x) {
      float x[kVec];
      device::load8(row + v * kVec, x);
#pragma unroll
      for (int i = 0; i < kVec; ++i) {
        const float onehot = (!ignored && v * kVec + i == t) ? 1.0f : 0.0f;
        x[i] = ignored ? 0.0f : fused::mul_rn(fused::sub_rn(expf(x[i] - row_lse), onehot), g);
      }
      device::store8(drow + v * kVec, x);
    }
  } else {
    for (int64_t j = threadIdx.x; j < vocab; j += blockDim.x) {
      const float onehot = (!ignored && j == t) ? 1.0f : 0.0f;
      const float d = ignored ? 0.0f : fused::mul_rn(fused::sub_rn(expf(load_elem(row, j) - row_lse), onehot), g);
      store_elem(drow, j, d);
    }
  }
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

const char* check_shape(const void* logits, const int64_t* targets, int64_t rows, int64_t vocab) {
  if (rows < 0 || vocab <= 0) return "cross_entropy: rows must be >= 0 and vocab > 0";
  if (rows > kMaxRows) return "cross_entropy: more than 2^31-1 rows (one block per row)";
  if (rows > 0 && (logits == nullptr || targets == nullptr)) return "cross_entropy: null logits or targets";
  return nullptr;
}

template <class T>
void launch_forward(const T* logits, const int64_t* targets, int64_t rows, int64_t vocab, int64_t ignore_index,
                    float* loss, float* lse, Stream stream) {
  const bool vec = vocab % kVec == 0 && aligned16(logits);
  if (vec) {
    ce_forward_kernel<T, true><<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(logits, targets, vocab,
                                                                                      ignore_index, loss, lse);
  } else {
    ce_forward_kernel<T, false><<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(logits, targets, vocab,
                                                                                       ignore_index, loss, lse);
  }
}

template <class T>
void launch_backward(const T* logits, const int64_t* targets, const float* lse, const float* grad_loss,
                     int64_t rows, int64_t vocab, int64_t ignore_index, T* dlogits, Stream stream) {
  const bool vec = vocab % kVec == 0 && aligned16(logits) && aligned16(dlogits);
  if (vec) {
    ce_backward_kernel<T, true><<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(
        logits, targets, lse, grad_loss, vocab, ignore_index, dlogits);
  } else {
    ce_backward_kernel<T, false><<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(
        logits, targets, lse, grad_loss, vocab, ignore_index, dlogits);
  }
}

}  // namespace

LaunchStatus cross_entropy_forward(const void* logits, fused::DType dtype, const int64_t* targets, int64_t rows,
                                   int64_t vocab, int64_t ignore_index, float* loss, float* lse, Stream stream) {
  if (const char* problem = check_shape(logits, targets, rows, vocab)) return {false, problem};
  if (rows == 0) return {};
  if (loss == nullptr || lse == nullptr) return {false, "cross_entropy_forward: null loss or lse"};
  if (dtype == fused::DType::kBf16) {
    launch_forward(static_cast<const __nv_bfloat16*>(logits), targets, rows, vocab, ignore_index, loss, lse, stream);
  } else {
    launch_forward(static_cast<const float*>(logits), targets, rows, vocab, ignore_index, loss, lse, stream);
  }
  return last_launch_status();
}

LaunchStatus cross_entropy_backward(const void* logits, fused::DType dtype, const int64_t* targets,
                                    const float* lse, const float* grad_loss, int64_t rows, int64_t vocab,
                                    int64_t ignore_index, void* dlogits, Stream stream) {
  if (const char* problem = check_shape(logits, targets, rows, vocab)) return {false, problem};
  if (rows == 0) return {};
  if (lse == nullptr || grad_loss == nullptr || dlogits == nullptr)
    return {false, "cross_entropy_backward: null lse, grad_loss or dlogits"};
  if (dlogits == logits) return {false, "cross_entropy_backward: dlogits must not alias logits"};
  if (dtype == fused::DType::kBf16) {
    launch_backward(static_cast<const __nv_bfloat16*>(logits), targets, lse, grad_loss, rows, vocab, ignore_index,
                    static_cast<__nv_bfloat16*>(dlogits), stream);
  } else {
    launch_backward(static_cast<const float*>(logits), targets, lse, grad_loss, rows, vocab, ignore_index,
                    static_cast<float*>(dlogits), stream);
  }
  return last_launch_status();
}

}  // namespace lps::kernels
