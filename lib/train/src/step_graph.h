// StepGraph: one optimizer step captured as a CUDA graph and replayed (issue #4: small models spend their
// time launching kernels; a replay launches the whole step at once). CUDA headers stay in step_graph.cc;
// in a build without CUDA, supported() is false and the constructor throws.
//
// Rules the trainer follows (trainer.cc): every step — eager warm-up steps, the capture, the replays — runs on
// stream(); inputs are copied into static tensors before replay; the learning rate is a device tensor;
// autocast's weight cache is off during capture; nothing in the step synchronises with the host.
#pragma once

#include <c10/core/Stream.h>
#include <torch/types.h>

#include <functional>
#include <memory>

namespace lps::train {

class StepGraph {
 public:
  [[nodiscard]] static bool supported();
  explicit StepGraph(torch::Device device);
  ~StepGraph();
  StepGraph(const StepGraph&) = delete;
  StepGraph& operator=(const StepGraph&) = delete;

  // The side stream every training step runs on.
  [[nodiscard]] c10::Stream stream() const;
  // Records body() into the graph (its kernels do not run); call replay() to run them.
  void capture(const std::function<void()>& body);
  [[nodiscard]] bool captured() const;
  void replay();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lps::train
