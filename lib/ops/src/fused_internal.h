// Shared plumbing of the fused ops (fused_*.cc): dtype mapping, the current stream, launch checks.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/util/Exception.h>

#ifdef LPS_HAVE_KERNELS
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <lps/kernels/fused_math.h>
#include <lps/kernels/stream.h>

namespace lps::ops::fused_detail {

inline kernels::Stream stream_of(const at::Tensor& t) {
  return c10::cuda::getCurrentCUDAStream(t.device().index()).stream();
}

inline kernels::fused::DType dtype_of(const at::Tensor& t, const char* what) {
  TORCH_CHECK(t.scalar_type() == at::kFloat || t.scalar_type() == at::kBFloat16, what,
              ": expected a float32 or bfloat16 tensor, got ", t.scalar_type());
  return t.scalar_type() == at::kBFloat16 ? kernels::fused::DType::kBf16 : kernels::fused::DType::kF32;
}

inline void check_cuda(const at::Tensor& t, const char* what, const char* name) {
  TORCH_CHECK(t.defined() && t.is_cuda(), what, ": ", name, " must be a CUDA tensor");
}

inline void check_launch(const kernels::LaunchStatus& status, const char* what) {
  TORCH_CHECK(status.ok, what, ": kernel launch failed: ", status.message);
}

}  // namespace lps::ops::fused_detail
#endif

#define LPS_FUSED_UNAVAILABLE(what) \
  TORCH_CHECK(false, what, ": this build has no CUDA kernels (built without nvcc); use the ATen path")
