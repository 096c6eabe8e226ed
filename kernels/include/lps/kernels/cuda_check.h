// Turns a CUDA runtime error code into a LaunchStatus with CUDA's own message.
#pragma once

#include <lps/kernels/stream.h>

namespace lps::kernels {

// Returns {ok=false, message=cudaGetErrorString(err)} when err (a cudaError_t) is not cudaSuccess.
LaunchStatus status_from_cuda(int err);
// Checks cudaGetLastError() after a launch.
LaunchStatus last_launch_status();

}  // namespace lps::kernels
