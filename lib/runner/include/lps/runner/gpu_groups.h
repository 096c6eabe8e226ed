// Worker processes for data-parallel sweeps: when every run trains on R GPUs (train.ranks: R), `lpsweep
// worker --gpus LIST` starts one worker per group of R GPUs (CUDA_VISIBLE_DEVICES="a,b,…"), and that
// worker's runs put rank r on the group's r-th GPU (docs/data-parallel.md).
#pragma once

#include <lps/runner/worker_processes.h>

#include <string>
#include <vector>

namespace lps::runner {

// Consecutive groups of gpus_per_worker GPUs of `gpus`, one worker child each, running `worker_argv` with
// "--id <base_id>:gpus<a>-<b>" appended. GPUs left over (fewer than a group) are not used; a warning says so.
// Throws lps::Error(kUserInput) when there are fewer GPUs than one group needs.
[[nodiscard]] std::vector<ChildProcess> plan_gpu_group_workers(const std::vector<std::string>& worker_argv,
                                                               const std::vector<int>& gpus, int gpus_per_worker,
                                                               const std::string& base_id);

}  // namespace lps::runner
