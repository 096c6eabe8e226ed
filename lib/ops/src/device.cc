#include <lps/ops/device.h>

#include <torch/torch.h>

#if LPS_TORCH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace lps::ops {

bool kernels_compiled() {
#ifdef LPS_HAVE_KERNELS
  return true;
#else
  return false;
#endif
}

bool cuda_available() { return kernels_compiled() && torch::cuda::is_available(); }

std::string device_name(int index) {
#if LPS_TORCH_CUDA
  if (torch::cuda::is_available()) return at::cuda::getDeviceProperties(index)->name;
#endif
  return "cpu";
}

void release_cuda_cache() {
#if LPS_TORCH_CUDA
  if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
}

}  // namespace lps::ops
