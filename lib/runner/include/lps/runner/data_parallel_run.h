// Runs a data-parallel RunSpec (spec.ranks > 1) from the worker that claimed it (docs/data-parallel.md): this
// process is rank 0 — it hosts the rendezvous, publishes the spec, starts ranks 1 … ranks-1 as child
// processes (rank_processes.h), trains with the hooks (metrics, checkpoints, result: rank 0 alone) and reaps
// the followers. A follower that dies fails the attempt within about a second (its error names the rank and
// the signal); the worker records it and the run is retried from its last checkpoint. A stop request
// (SIGTERM to the worker) checkpoints on rank 0, then the followers are terminated.
//
// Devices: with CUDA visible, rank r trains on cuda:r of this process's visible GPUs (NCCL) and at least
// `ranks` must be visible; otherwise every rank runs on the CPU (Gloo).
#pragma once

#include <lps/plan/run_spec.h>
#include <lps/train/run_hooks.h>

#include <string>
#include <vector>

namespace lps::runner {

struct DataParallelOptions {
  std::vector<std::string> rank_command;  // argv prefix that starts a follower; empty = this executable's
                                          // hidden `rank` subcommand ({/proc/self/exe, "rank"})
  double timeout_s = 600;                 // rendezvous and collective timeout of every rank
  double bucket_mb = -1;                  // gradient all-reduce buckets of every rank (train::RankOptions);
                                          // < 0 = LPS_DDP_BUCKET_MB, else 25; 0 = one all-reduce per step
  double completion_wait_s = 20;          // after a completed run: how long followers may take to exit (they
                                          // close their communicator with rank 0 after the last step and
                                          // exit at once; seconds in practice)
};

// The devices of ranks 0 … ranks-1 on this machine ("cuda:r" or "cpu"). Throws RunError when CUDA is visible
// but fewer than `ranks` GPUs are.
[[nodiscard]] std::vector<std::string> rank_devices(int ranks);

[[nodiscard]] train::RunResult run_data_parallel(const plan::RunSpec& spec, train::RunHooks& hooks,
                                                 const DataParallelOptions& options = {});

}  // namespace lps::runner
