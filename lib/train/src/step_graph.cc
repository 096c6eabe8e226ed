// CUDA graph capture of a training step (step_graph.h).
#include "step_graph.h"

#include <lps/core/error.h>

#include <fmt/format.h>

#if LPS_TORCH_CUDA
#include <ATen/autocast_mode.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace lps::train {

#if LPS_TORCH_CUDA

struct StepGraph::Impl {
  c10::cuda::CUDAStream stream;
  at::cuda::CUDAGraph graph;
  bool captured = false;
  explicit Impl(c10::DeviceIndex index) : stream(c10::cuda::getStreamFromPool(false, index)) {}
};

bool StepGraph::supported() { return true; }

StepGraph::StepGraph(torch::Device device) {
  LPS_CHECK(device.is_cuda(), "StepGraph needs a CUDA device, got {}", device.str());
  impl_ = std::make_unique<Impl>(device.index() < 0 ? 0 : device.index());
}

StepGraph::~StepGraph() = default;

c10::Stream StepGraph::stream() const { return impl_->stream.unwrap(); }

void StepGraph::capture(const std::function<void()>& body) {
  LPS_CHECK(!impl_->captured, "the step was captured already");
  c10::cuda::CUDAStreamGuard guard(impl_->stream);
  impl_->stream.synchronize();
  // Cached BF16 weight copies made during capture would be freed while the graph still uses them.
  const bool cache = at::autocast::is_autocast_cache_enabled();
  at::autocast::set_autocast_cache_enabled(false);
  try {
    impl_->graph.capture_begin();
    body();
    impl_->graph.capture_end();
  } catch (...) {
    at::autocast::set_autocast_cache_enabled(cache);
    throw;
  }
  at::autocast::set_autocast_cache_enabled(cache);
  impl_->captured = true;
}

bool StepGraph::captured() const { return impl_->captured; }

void StepGraph::replay() {
  c10::cuda::CUDAStreamGuard guard(impl_->stream);
  impl_->graph.replay();
}

#else

struct StepGraph::Impl {};

bool StepGraph::supported() { return false; }

StepGraph::StepGraph(torch::Device device) {
  throw Error(ErrorKind::kUserInput,
              fmt::format("CUDA graph capture needs a CUDA build of lpsweep (device {})", device.str()));
}

StepGraph::~StepGraph() = default;
c10::Stream StepGraph::stream() const { throw Error(ErrorKind::kProgrammer, "StepGraph without CUDA"); }
void StepGraph::capture(const std::function<void()>&) { LPS_CHECK(false, "no CUDA"); }
bool StepGraph::captured() const { return false; }
void StepGraph::replay() { LPS_CHECK(false, "no CUDA"); }

#endif

}  // namespace lps::train
