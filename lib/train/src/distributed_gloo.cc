// The Gloo backend (CPU ranks). ProcessGroupGloo's code is inside libtorch_cpu; its header needs gloo's
// headers, which the PyPI wheel does not ship (Debian's libgloo-dev has them; LPS_WITH_GLOO says they were
// found at configure time).
#include "distributed_backends.h"

#include <lps/core/error.h>

#if LPS_WITH_GLOO
#ifndef USE_C10D_GLOO  // LibTorch's CUDA CMake config defines it already
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif

namespace lps::train::detail {

bool built_with_gloo() { return LPS_WITH_GLOO != 0; }

#if LPS_WITH_GLOO
c10::intrusive_ptr<c10d::Backend> make_gloo_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank, int world,
                                                    std::chrono::milliseconds timeout, const std::string& host) {
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(host));
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world, options);
}
#else
c10::intrusive_ptr<c10d::Backend> make_gloo_backend(const c10::intrusive_ptr<c10d::Store>&, int, int,
                                                    std::chrono::milliseconds, const std::string&) {
  throw RunError("data-parallel CPU ranks need Gloo, and this lpsweep was built without gloo's headers: "
                 "apt-get install libgloo-dev, then reconfigure and rebuild (scripts/setup.sh does both)");
}
#endif

}  // namespace lps::train::detail
