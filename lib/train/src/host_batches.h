// A ring of pinned host buffers for training batches: the CPU fills one while earlier uploads are still in
// flight, and an event per buffer makes sure a buffer is reused only after its copy to the GPU finished.
// This keeps the host from waiting on the device every step.
#pragma once

#include <ATen/DeviceAccelerator.h>
#include <c10/core/Event.h>
#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <optional>

namespace lps::train {

class HostBatches {
 public:
  static constexpr int kSlots = 3;
  struct Slot {
    int index = 0;
    int32_t* data = nullptr;
  };

  HostBatches(int64_t rows, int64_t cols, torch::Device device) : device_(device) {
    for (int i = 0; i < kSlots; ++i) {
      buffers_[i] = torch::empty({rows, cols}, torch::TensorOptions().dtype(torch::kInt32).pinned_memory(true));
    }
  }

  // The next buffer, after its previous upload has completed.
  [[nodiscard]] Slot acquire() {
    const int i = next_;
    next_ = (next_ + 1) % kSlots;
    if (events_[i].has_value()) events_[i]->synchronize();
    return {i, buffers_[i].data_ptr<int32_t>()};
  }

  // Starts the asynchronous copy of a filled buffer; returns the device tensor (int32).
  [[nodiscard]] torch::Tensor upload(const Slot& slot) {
    auto on_device = buffers_[slot.index].to(device_, /*non_blocking=*/true);
    if (!events_[slot.index].has_value()) events_[slot.index].emplace(device_.type());
    events_[slot.index]->record(at::accelerator::getCurrentStream(device_.index() < 0 ? 0 : device_.index()));
    return on_device;
  }

 private:
  torch::Device device_;
  std::array<torch::Tensor, kSlots> buffers_;
  std::array<std::optional<c10::Event>, kSlots> events_;
  int next_ = 0;
};

}  // namespace lps::train
