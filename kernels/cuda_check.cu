#include <lps/kernels/cuda_check.h>

#include <cuda_runtime.h>

namespace lps::kernels {

LaunchStatus status_from_cuda(int err) {
  if (err == cudaSuccess) return {};
  return {false, cudaGetErrorString(static_cast<cudaError_t>(err))};
}

LaunchStatus last_launch_status() { return status_from_cuda(cudaGetLastError()); }

}  // namespace lps::kernels
