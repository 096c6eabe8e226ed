// The c10d backends behind RankGroup, one translation unit each, because each needs its own headers:
// Gloo's (Debian's libgloo-dev; LibTorch holds the code) and NCCL's (a CUDA LibTorch). A build without them
// gets a stub that throws RunError saying what to install.
#pragma once

#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <chrono>
#include <string>

namespace lps::train::detail {

// Gloo over TCP on `host` (this machine's address the peers reach it by).
[[nodiscard]] c10::intrusive_ptr<c10d::Backend> make_gloo_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                                  int world, std::chrono::milliseconds timeout,
                                                                  const std::string& host);
// NCCL on the current CUDA device.
[[nodiscard]] c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank,
                                                                  int world, std::chrono::milliseconds timeout);

[[nodiscard]] bool built_with_gloo();
[[nodiscard]] bool built_with_nccl();

}  // namespace lps::train::detail
