// Several workers on one machine: one child process per GPU (CUDA_VISIBLE_DEVICES set for each), K per GPU
// with --runs-per-gpu. The parent forwards SIGTERM/SIGINT/SIGUSR1 to its children and waits for all of them.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lps::runner {

// "all" -> 0..visible-1; "0,2" -> {0, 2}. Throws lps::Error(kUserInput) for malformed text, duplicates,
// or an index ≥ visible_gpus (naming the visible count).
[[nodiscard]] std::vector<int> parse_gpu_list(std::string_view text, int visible_gpus);

struct ChildProcess {
  std::string name;                                         // for logs: "gpu0/1"
  std::vector<std::string> argv;                            // argv[0] is the executable path
  std::vector<std::pair<std::string, std::string>> env;     // set (or replaced) in the child's environment
};

// One child per GPU × runs_per_gpu, each running `worker_argv` (argv[0] = executable) with
// CUDA_VISIBLE_DEVICES=<gpu> and "--id <base_id>:gpu<g>:<k>" appended. An empty `gpus` means CPU only:
// runs_per_gpu children without CUDA_VISIBLE_DEVICES changes.
[[nodiscard]] std::vector<ChildProcess> plan_worker_processes(const std::vector<std::string>& worker_argv,
                                                              const std::vector<int>& gpus, int runs_per_gpu,
                                                              const std::string& base_id);

// Starts every child, forwards the first SIGTERM/SIGINT/SIGUSR1 (stop_signals.h) to all of them (the same
// signal; SIGTERM for a stop requested without one), and waits for all. Returns the number of children
// that did not exit with status 0.
[[nodiscard]] int run_child_processes(const std::vector<ChildProcess>& children);

}  // namespace lps::runner
