// The NCCL backend (one GPU per rank). ProcessGroupNCCL's code is inside libtorch_cuda; its header needs
// nccl.h (the nvidia-nccl wheel beside torch has it; LPS_WITH_NCCL says it was found at configure time).
#include "distributed_backends.h"

#include <lps/core/error.h>

#if LPS_WITH_NCCL
#ifndef USE_C10D_NCCL  // LibTorch's CUDA CMake config defines it already
#define USE_C10D_NCCL 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace lps::train::detail {

bool built_with_nccl() { return LPS_WITH_NCCL != 0; }

#if LPS_WITH_NCCL
c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank, int world,
                                                    std::chrono::milliseconds timeout) {
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, world, options);
}
#else
c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>&, int, int,
                                                    std::chrono::milliseconds) {
  throw RunError("data-parallel GPU ranks need NCCL, and this lpsweep was built without it (a LibTorch with "
                 "CUDA and nccl.h are needed at build time; see docs/data-parallel.md)");
}
#endif

}  // namespace lps::train::detail
