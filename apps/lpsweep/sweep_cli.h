// Shared wiring of the queue subcommands (submit, run, worker, status, runs, cancel, retry, export runs):
// which store and sweep a command acts on, submitting a sweep, starting workers, formatting numbers.
#pragma once

#include <lps/config/sweep_spec.h>
#include <lps/store/store.h>

#include <CLI/CLI.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace lps::cli {

// `[SWEEP] [--store PATH] [--sweep-name NAME]`: a sweep file names its store and sweep; --store alone means
// every sweep in that store (narrowed by --sweep-name).
struct StoreTargetFlags {
  std::string store;       // --store
  std::string sweep_name;  // --sweep-name
};
void add_store_target_flags(CLI::App* cmd, StoreTargetFlags& flags);

struct StoreTarget {
  std::string store_path;
  std::string sweep;                     // "" = all sweeps of the store
  std::optional<config::SweepSpec> spec;  // when a sweep file was given
};

// Resolves the target; `sweep_file` may be empty when --store is given. check_data: whether the sweep's data
// paths must exist (true for commands that train). Throws UserInput errors for a missing target.
[[nodiscard]] StoreTarget resolve_store_target(const std::string& sweep_file, const StoreTargetFlags& flags,
                                               bool check_data);

// Opens an existing store (never creates one: a typo must not make an empty store).
[[nodiscard]] store::Store open_existing_store(const std::string& path);

// Plans `spec` and queues its new runs; prints what was added. Returns the store's answer.
store::SubmitResult submit_sweep(const config::SweepSpec& spec, store::Store& store);

// How to run workers: in this process (one worker) or as child processes (per GPU / runs per GPU).
struct WorkerFlags {
  bool forever = false;
  std::string gpus;          // "", "all" or "0,1"
  int runs_per_gpu = 1;
  std::string id;            // worker id ("" = host:pid)
  double lease_s = 60;
  std::string executor = "training";  // training | test-double (testing aid: no model, milliseconds per run)
  int gpus_per_worker = 1;   // data parallel: the sweep's train.ranks; --gpus then starts one worker per group
};
void add_worker_flags(CLI::App* cmd, WorkerFlags& flags);

// Runs workers on `store_path` (runs of `sweep` only, when not empty) until the queue is done (or forever).
// SIGTERM/SIGINT: the executor checkpoints, leases are released, and this returns within 25 s.
// Returns the number of worker processes that failed (0 in-process unless it threw).
int run_workers(const std::string& store_path, const std::string& sweep, const WorkerFlags& flags);

// Positional words of cancel/retry: without --store the first is the sweep file, the rest name runs.
void split_target_and_runs(const std::vector<std::string>& words, const StoreTargetFlags& target_flags,
                           std::string& sweep_file, std::vector<std::string>& runs);

// "failed,cancelled" -> states; a user error names a bad state and lists the valid ones.
[[nodiscard]] std::set<store::RunState> parse_states(const std::vector<std::string>& items);

// "1.2B", "350M", "20K", "999".
[[nodiscard]] std::string format_count(double n);
// JSON string literal with escapes.
[[nodiscard]] std::string json_quote(const std::string& s);

}  // namespace lps::cli
