// Data-parallel ranks of one run (docs/data-parallel.md), through LibTorch's c10d: Gloo on the CPU, NCCL on
// GPUs. Every rank holds the same weights (rank 0's, copied when the ranks connect), takes its slice of every
// global batch (batch_seqs/world sequences), and the gradients are summed across the ranks and divided by
// the world size before clipping and the optimizer step — so W ranks follow the trajectory of one process
// with the whole batch, within float rounding. Rank 0 hosts the rendezvous (a c10d TCPStore on loopback)
// and alone writes metrics, checkpoints and the result; ranks 1… only train.
//
// Failure: a dead peer closes its sockets, so Gloo fails the pending collective at once; RankGroup::abort()
// (called by whoever watches the processes, lib/runner) makes waits fail promptly for anything else; every
// rendezvous wait and collective also has a timeout (RankOptions::timeout_s).
#pragma once

#include <lps/train/run_hooks.h>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <memory>
#include <string>
#include <vector>

namespace lps::train {

inline constexpr double kDefaultBucketMb = 25;  // as PyTorch's DistributedDataParallel

// LPS_DDP_BUCKET_MB when set (a number ≥ 0; 0 = one all-reduce after the backward), else kDefaultBucketMb.
// Throws lps::Error(kUserInput) for a value that is not a number ≥ 0.
[[nodiscard]] double bucket_mb_from_env();

struct RankOptions {
  int rank = 0;                    // this process: 0 … world-1; 0 hosts the rendezvous
  int world = 1;                   // processes training the run together
  std::string host = "127.0.0.1";  // where rank 0 listens (loopback: all ranks on one machine)
  int port = 0;                    // rank 0: 0 = any free port (RankGroup::port() tells); others: rank 0's
  double timeout_s = 600;          // rendezvous waits and each collective; covers rank 0's checkpoint and
                                   // evaluation, during which the other ranks wait in the next step
  double bucket_mb = kDefaultBucketMb;  // gradient all-reduce buckets (MB of FP32 gradients), launched during
                                        // the backward as each fills; 0 = one all-reduce of every gradient
                                        // after the backward. Every rank of a run must use the same value.

  // Problems, each naming the field; empty when valid.
  [[nodiscard]] std::vector<std::string> validate() const;
};

// The communicator of one rank. Not copyable; one per process and run.
class RankGroup {
 public:
  // Rank 0 starts listening and returns at once; other ranks connect to rank 0 (retrying until timeout_s)
  // and announce themselves. Throws lps::Error(kUserInput) for bad options, RunError when rank 0 is not there.
  [[nodiscard]] static std::unique_ptr<RankGroup> open(const RankOptions& options);
  ~RankGroup();
  RankGroup(const RankGroup&) = delete;
  RankGroup& operator=(const RankGroup&) = delete;

  [[nodiscard]] int rank() const;
  [[nodiscard]] int world() const;
  [[nodiscard]] int port() const;                 // the rendezvous port (rank 0 picked it)
  [[nodiscard]] double timeout_s() const;
  [[nodiscard]] double bucket_mb() const;         // RankOptions::bucket_mb

  // Small messages through the rendezvous store (rank 0 publishes the run's spec). fetch() waits for the key
  // until it exists, abort() or timeout (RunError).
  void publish(const std::string& key, const std::string& value);
  [[nodiscard]] std::string fetch(const std::string& key);

  // Every rank calls this once: rank 0 first waits until all ranks have announced themselves, then all
  // create the communicator for `device` — Gloo for the CPU, NCCL for CUDA (the device must be this rank's
  // own GPU). Throws RunError when this build lacks the backend (the message says what to install).
  void connect(const c10::Device& device);
  [[nodiscard]] bool connected() const;
  [[nodiscard]] std::string backend_name() const;  // "gloo" | "nccl" | "" before connect()

  // Collectives; every rank calls the same ones in the same order with tensors of the same shape on its
  // device. They throw RunError (naming the peer failure, abort reason or timeout) instead of hanging.
  void all_reduce_sum(at::Tensor& tensor);          // in place
  // Asynchronous all-reduces (gradient buckets, launched from autograd hooks): start_all_reduce_sum()
  // queues a sum of `tensor` in place and returns at once; wait_all_reduces() waits for every one started
  // (in the order started) and forgets them, also when it throws. Every rank must start the same ones in the
  // same order; `tensor` (contiguous) must stay alive and untouched until wait_all_reduces() returns.
  void start_all_reduce_sum(const at::Tensor& tensor);
  void wait_all_reduces();
  void broadcast_from_rank0(at::Tensor& tensor);    // in place; contiguous
  // True when `value` is bit-equal on every rank (a max and a min across the ranks).
  [[nodiscard]] bool same_on_all_ranks(double value);

  // After the run's last collective, every rank: closes the communicator (NCCL's teardown is collective: a
  // rank destroying its communicator waits until the others do too, so all must do it at the same point —
  // not rank 0 only after the followers have exited, which deadlocked until the follower was killed).
  // Idempotent; collectives afterwards are refused. The rendezvous store stays open.
  void close();

  // Thread-safe, idempotent: waits and collectives in progress or to come fail with `why` (NCCL
  // communicators are aborted). For the process monitor that saw a peer die.
  void abort(const std::string& why);
  [[nodiscard]] bool aborted() const;

 private:
  RankGroup();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// What this build can connect: Gloo needs the gloo headers at build time (Debian's libgloo-dev; the code is
// inside LibTorch), NCCL a LibTorch with CUDA and nccl.h.
[[nodiscard]] bool gloo_available();
[[nodiscard]] bool nccl_available();

// The whole life of a follower rank (1 … world-1), which `lpsweep worker` starts as a child process: joins
// rank 0, reads the run's spec from it, and trains its slice of every step on `device` until the last step
// (or until rank 0 stops it). Nothing is written: no metrics, checkpoints or results.
[[nodiscard]] RunResult run_follower_rank(const RankOptions& options, const std::string& device);

// The key under which rank 0 publishes the run's spec (plan::to_json) for the followers.
inline constexpr const char* kRankSpecKey = "lps/spec";

}  // namespace lps::train
