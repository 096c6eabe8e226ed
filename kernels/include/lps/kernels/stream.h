// The stream type kernels take, without pulling CUDA headers into public headers (docs/STYLE.md §2):
// cudaStream_t is `CUstream_st*`; pass a LibTorch stream's .stream() or nullptr for the default stream.
#pragma once

struct CUstream_st;

namespace lps::kernels {

using Stream = CUstream_st*;

// Status of a launch: kernels never throw across the C++/CUDA boundary silently; launchers check
// preconditions and cudaGetLastError() and return the message.
struct [[nodiscard]] LaunchStatus {
  bool ok = true;
  const char* message = "";  // static string or CUDA's error string; empty when ok
};

}  // namespace lps::kernels
