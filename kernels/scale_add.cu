// scale_add: y = a*x + b. Device code, then the launcher that checks its preconditions.
#include <lps/kernels/cuda_check.h>
#include <lps/kernels/scale_add.h>

#include <cuda_runtime.h>

namespace lps::kernels {
namespace {

constexpr int kThreads = 256;

__global__ void scale_add_kernel(const float* __restrict__ x, float* __restrict__ y, int64_t n, float a,
                                 float b) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    y[i] = fmaf(a, x[i], b);
  }
}

}  // namespace

LaunchStatus scale_add_f32(const float* x, float* y, int64_t n, float a, float b, Stream stream) {
  if (n < 0) return {false, "scale_add_f32: n must be >= 0"};
  if (n == 0) return {};
  if (x == nullptr || y == nullptr) return {false, "scale_add_f32: null pointer"};
  const int64_t blocks64 = (n + kThreads - 1) / kThreads;
  const int blocks = static_cast<int>(blocks64 < 65535 * 8 ? blocks64 : 65535 * 8);
  scale_add_kernel<<<blocks, kThreads, 0, stream>>>(x, y, n, a, b);
  return last_launch_status();
}

}  // namespace lps::kernels
