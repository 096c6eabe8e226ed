#include "sweep_cli.h"

#include "commands.h"

#include <lps/core/clock.h>

#include <lps/config/load_sweep.h>
#include <lps/core/error.h>
#include <lps/core/log.h>
#include <lps/plan/run_spec_json.h>
#include <lps/plan/submission_plan.h>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include <lps/runner/stop_signals.h>
#include <lps/runner/test_double_executor.h>
#include <lps/runner/worker.h>
#include <lps/runner/worker_processes.h>
#ifdef LPS_HAVE_TORCH
#include <lps/runner/gpu_groups.h>
#include <lps/runner/training_executor.h>
#include <torch/cuda.h>
#endif

namespace lps::cli {

void add_store_target_flags(CLI::App* cmd, StoreTargetFlags& flags) {
  cmd->add_option("--store", flags.store, "Store to use instead of the sweep file's: SQLite path, sqlite:PATH or postgresql://URL");
  cmd->add_option("--sweep-name", flags.sweep_name, "Only this sweep of the store");
}

StoreTarget resolve_store_target(const std::string& sweep_file, const StoreTargetFlags& flags, bool check_data) {
  StoreTarget target;
  if (!sweep_file.empty()) {
    config::LoadOptions options;
    options.check_data_paths = check_data;
    target.spec = config::load_sweep_file(sweep_file, options);
    target.store_path = target.spec->store;
    target.sweep = target.spec->name;
  }
  if (!flags.store.empty()) target.store_path = flags.store;
  if (!flags.sweep_name.empty()) target.sweep = flags.sweep_name;
  if (target.store_path.empty()) {
    throw Error(ErrorKind::kUserInput, "name a sweep file (its store) or --store PATH");
  }
  return target;
}

store::Store open_existing_store(const std::string& path) {
  store::StoreOptions options;
  options.create = false;
  return store::Store::open(path, options);
}

store::SubmitResult submit_sweep(const config::SweepSpec& spec, store::Store& store) {
  const auto planned = plan::plan_sweep(spec);
  std::vector<store::RunToSubmit> runs;
  runs.reserve(planned.size());
  for (const auto& p : planned) {
    store::RunToSubmit r;
    r.key = p.key;
    r.label = p.label;
    r.n_params = p.spec.n_params;
    r.tokens = p.spec.tokens;
    r.scheme = p.spec.scheme.name;
    r.spec_json = plan::to_json(p.spec);
    r.max_attempts = p.spec.retry.max_attempts;
    r.backoff_s = p.spec.retry.backoff_s;
    runs.push_back(std::move(r));
  }
  const store::SweepRecord sweep{spec.name, spec.output, std::filesystem::absolute(spec.file).string()};
  const auto result = store.submit(sweep, runs);
  std::set<std::string> planned_keys;
  for (const auto& p : planned) planned_keys.insert(p.key);
  store::RunFilter mine;
  mine.sweep = spec.name;
  int dropped = 0;
  for (const auto& row : store.runs(mine)) dropped += planned_keys.count(row.key) == 0 ? 1 : 0;
  fmt::print("sweep {}: {} runs planned; {} added, {} already in the store (untouched)\n", spec.name, planned.size(),
             result.added, result.existing);
  if (dropped > 0) {
    fmt::print("  {} runs of this sweep in the store are no longer in {}; they are kept as they are\n", dropped,
               spec.file);
  }
  fmt::print("  store: {}\n", store.path());
  return result;
}

void add_worker_flags(CLI::App* cmd, WorkerFlags& flags) {
  cmd->add_flag("--forever", flags.forever, "Keep waiting for new runs instead of exiting when the queue is done");
  cmd->add_option("--gpus", flags.gpus, "One worker process per GPU: a list like 0,1 or 'all'");
  cmd->add_option("--runs-per-gpu", flags.runs_per_gpu, "Worker processes per GPU (small runs share a GPU)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--id", flags.id, "Worker id shown in status (default host:pid)");
  cmd->add_option("--lease", flags.lease_s, "Lease in seconds; a worker silent this long loses its run")
      ->check(CLI::Range(1.0, 86400.0));
  cmd->add_option("--executor", flags.executor,
                  "training (default), or test-double: a testing aid that trains nothing (milliseconds per run)")
      ->check(CLI::IsMember({"training", "test-double"}));
}

namespace {

constexpr double kStopDeadlineS = 24;  // SLURM sends SIGKILL 30 s after SIGTERM by default; leave margin

int run_in_process(const std::string& store_path, const std::string& sweep, const WorkerFlags& flags) {
  runner::WorkerOptions options;
  options.store_path = store_path;
  options.sweep = sweep;
  options.forever = flags.forever;
  options.worker_id = flags.id;
  options.store_options.lease_s = flags.lease_s;
  options.stop_grace_s = kStopDeadlineS - 6;
  std::unique_ptr<runner::Executor> executor;
  if (flags.executor == "test-double") {
    executor = std::make_unique<runner::TestDoubleExecutor>();
  } else {
#ifdef LPS_HAVE_TORCH
    executor = std::make_unique<runner::TrainingExecutor>();
#else
    throw Error(ErrorKind::kUserInput, "training needs LibTorch; this lpsweep was built with -DLPS_WITH_TORCH=OFF "
                                       "(only --executor test-double runs here)");
#endif
  }
  runner::install_stop_signal_handlers();
  runner::Worker worker(options, *executor);
  std::atomic<bool> done{false};
  std::exception_ptr error;
  runner::WorkerSummary summary;
  std::thread thread([&] {
    try {
      summary = worker.run();
    } catch (...) {
      error = std::current_exception();
    }
    done.store(true);
  });
  std::optional<Stopwatch> since_stop;
  while (!done.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (runner::process_stop_requested() && !since_stop) since_stop.emplace();
    if (since_stop && since_stop->seconds() > kStopDeadlineS) {
      // The executor is stuck in a step; its lease was released by the worker's grace period. Leave now.
      std::fprintf(stderr, "lpsweep worker: stopped (the executor did not return; its run was requeued)\n");
      std::fflush(nullptr);
      std::_Exit(kExitOk);
    }
  }
  thread.join();
  if (error) std::rethrow_exception(error);
  fmt::print("worker {}: {} completed, {} diverged, {} failed attempts, {} stopped, {} lease lost\n",
             options.worker_id.empty() ? runner::default_worker_id() : options.worker_id, summary.completed,
             summary.diverged, summary.failed, summary.stopped, summary.lease_lost);
  return 0;
}

}  // namespace

int run_workers(const std::string& store_path, const std::string& sweep, const WorkerFlags& flags) {
  if (flags.gpus.empty() && flags.runs_per_gpu == 1) return run_in_process(store_path, sweep, flags);
#ifdef LPS_HAVE_TORCH
  const int visible = flags.gpus.empty() ? 0 : static_cast<int>(torch::cuda::device_count());
#else
  if (!flags.gpus.empty()) {
    throw Error(ErrorKind::kUserInput, "--gpus needs LibTorch; this lpsweep was built with -DLPS_WITH_TORCH=OFF");
  }
  const int visible = 0;
#endif
  const std::vector<int> gpus = flags.gpus.empty() ? std::vector<int>{} : runner::parse_gpu_list(flags.gpus, visible);
  std::vector<std::string> argv = {std::filesystem::read_symlink("/proc/self/exe").string(), "worker", "--store",
                                   store_path, "--lease", fmt::format("{}", flags.lease_s), "--executor",
                                   flags.executor};
  if (!sweep.empty()) argv.insert(argv.end(), {"--sweep-name", sweep});
  if (flags.forever) argv.push_back("--forever");
  const std::string base_id = flags.id.empty() ? runner::default_worker_id() : flags.id;
  // Data parallel (docs/data-parallel.md): runs of R ranks need a worker per group of R GPUs.
#ifdef LPS_HAVE_TORCH
  const auto children = flags.gpus_per_worker > 1 && !gpus.empty()
                            ? runner::plan_gpu_group_workers(argv, gpus, flags.gpus_per_worker, base_id)
                            : runner::plan_worker_processes(argv, gpus, flags.runs_per_gpu, base_id);
#else
  const auto children = runner::plan_worker_processes(argv, gpus, flags.runs_per_gpu, base_id);
#endif
  runner::install_stop_signal_handlers();
  return runner::run_child_processes(children);
}

void split_target_and_runs(const std::vector<std::string>& words, const StoreTargetFlags& target_flags,
                           std::string& sweep_file, std::vector<std::string>& runs) {
  runs = words;
  if (target_flags.store.empty() && !runs.empty()) {
    sweep_file = runs.front();
    runs.erase(runs.begin());
  }
}

std::set<store::RunState> parse_states(const std::vector<std::string>& items) {
  std::set<store::RunState> states;
  for (const auto& item : items) {
    const auto s = store::parse_run_state(item);
    if (!s) {
      throw Error(ErrorKind::kUserInput, fmt::format("--state '{}': expected queued, running, completed, failed, "
                                                     "diverged or cancelled", item));
    }
    states.insert(*s);
  }
  return states;
}

std::string format_count(double n) {
  const double a = std::abs(n);
  if (a >= 1e12) return fmt::format("{:.1f}T", n / 1e12);
  if (a >= 1e9) return fmt::format("{:.1f}B", n / 1e9);
  if (a >= 1e6) return fmt::format("{:.1f}M", n / 1e6);
  if (a >= 1e3) return fmt::format("{:.1f}K", n / 1e3);
  return fmt::format("{:.0f}", n);
}

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (const unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace lps::cli
