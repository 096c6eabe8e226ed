// `lpsweep run SWEEP`: the main job — submit the sweep, run local workers until its queue is empty, print a
// summary, then fit, recommend and plot (after_sweep_analysis below).
#include "commands.h"
#include "sweep_analysis.h"
#include "sweep_cli.h"

#include <lps/config/load_sweep.h>
#include <lps/core/clock.h>
#include <lps/core/log.h>
#include <lps/core/progress.h>

#include <fmt/format.h>

#include <atomic>
#include <thread>

namespace lps::cli {
namespace {

// Prints "done/total runs" with rate and ETA while workers run (its own store connection).
class SweepProgressMonitor {
 public:
  SweepProgressMonitor(const std::string& store_path, const std::string& sweep)
      : thread_([this, store_path, sweep] { loop(store_path, sweep); }) {}
  ~SweepProgressMonitor() {
    stop_.store(true);
    thread_.join();
  }

 private:
  void loop(const std::string& store_path, const std::string& sweep) {
    try {
      auto store = open_existing_store(store_path);
      auto counts = store.count_states(sweep);
      const int64_t total = counts.total();
      ProgressOptions options;
      options.unit = "runs";
      options.interval_s = 10;
      Progress progress(fmt::format("sweep {}", sweep), total, options);
      while (!stop_.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        counts = store.count_states(sweep);
        const int64_t done = counts.total() - counts[store::RunState::kQueued] - counts[store::RunState::kRunning];
        progress.update(done, fmt::format("{} running, {} failed, {} diverged", counts[store::RunState::kRunning],
                                          counts[store::RunState::kFailed], counts[store::RunState::kDiverged]));
      }
    } catch (const std::exception& e) {
      log_warn("progress display stopped: {}", e.what());
    }
  }
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Prints the outcome per state and lists runs that did not complete. True when no run failed.
bool print_sweep_summary(store::Store& store, const std::string& sweep) {
  const auto counts = store.count_states(sweep);
  fmt::print("sweep {}: {} runs —", sweep, counts.total());
  for (store::RunState s : store::kAllRunStates) {
    if (counts[s] > 0) fmt::print(" {} {}", counts[s], to_string(s));
  }
  fmt::print("\n");
  store::RunFilter bad;
  bad.sweep = sweep;
  bad.states = {store::RunState::kFailed, store::RunState::kDiverged};
  for (const auto& r : store.runs(bad)) fmt::print("  {} {}: {}\n", to_string(r.state), r.label, r.error);
  return counts[store::RunState::kFailed] == 0;
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Submit a sweep, run local workers until it is done, then fit (the main job)");
  struct Flags {
    std::string file;
    std::string store;
    WorkerFlags worker;
  };
  auto flags = std::make_shared<Flags>();
  cmd->add_option("SWEEP", flags->file, "Sweep file (YAML)")->required();
  cmd->add_option("--store", flags->store, "Store to use instead of the sweep file's: SQLite path, sqlite:PATH or postgresql://URL");
  add_worker_flags(cmd, flags->worker);
  cmd->callback([flags] {
    auto spec = config::load_sweep_file(flags->file);
    if (!flags->store.empty()) spec.store = flags->store;
    flags->worker.gpus_per_worker = spec.train.ranks;  // data parallel: one worker per group of GPUs
    auto store = store::Store::open(spec.store);
    (void)submit_sweep(spec, store);
    int failed_workers = 0;
    {
      SweepProgressMonitor monitor(spec.store, spec.name);
      failed_workers = run_workers(spec.store, spec.name, flags->worker);
    }
    const bool all_ran = print_sweep_summary(store, spec.name);
    const auto counts = store.count_states(spec.name);
    if (counts[store::RunState::kQueued] + counts[store::RunState::kRunning] > 0) {
      fmt::print("stopped before the sweep finished; `lpsweep run {}` continues where it left off\n", spec.file);
      return;
    }
    after_sweep_analysis(spec, store);
    if (failed_workers > 0 || !all_ran) throw ExitWith{kExitFailure};
  });
}

}  // namespace lps::cli
