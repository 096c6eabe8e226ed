// What this build and machine can run: compiled kernels, a visible CUDA device.
#pragma once

#include <string>

namespace lps::ops {

// True when kernels/ was compiled into this build (nvcc was present at build time).
[[nodiscard]] bool kernels_compiled();
// True when LibTorch sees at least one CUDA device (and kernels were compiled).
[[nodiscard]] bool cuda_available();
// "NVIDIA H100 80GB HBM3" etc., or "cpu".
[[nodiscard]] std::string device_name(int index = 0);
// Returns the CUDA memory this process's caching allocator holds but no tensor uses to the driver, so another
// process (e.g. a benchmark's PyTorch baseline) can have it. No-op without CUDA.
void release_cuda_cache();

}  // namespace lps::ops
