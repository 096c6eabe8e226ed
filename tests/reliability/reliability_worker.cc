// lps_reliability_worker: one process of the reliability suites (tests/reliability, docs/RELIABILITY.md),
// which arm crash points and faults through its environment and kill it.
//
//   lps_reliability_worker worker STORE [--lease S] [--double STEPS]
//       the real worker loop until the queue is done: the LibTorch trainer (one CPU thread), or with
//       --double the test-double executor (STEPS steps, a checkpoint every step)
//   lps_reliability_worker open STORE
//       opens (and so migrates) the store; prints "schema <version>"
//   lps_reliability_worker metrics STORE SECONDS OUT
//       claims one run and records metrics rows back to back for SECONDS; writes each commit's latency in
//       microseconds, one per line, to OUT; prints "rows <n>"
//
// Disk-full tests: with LPS_FAULT_ENOSPC or LPS_TEST_DISK_FULL_FLAG set, SQLite runs on a VFS that fails
// writes with SQLITE_FULL at the point "sqlite.write" (sqlite_fault_vfs.h); LPS_TEST_DISK_FULL_FLAG=FILE
// makes the whole "disk" full — SQLite and every fault_enospc point — while FILE exists.
#include <lps/core/clock.h>
#include <lps/core/log.h>
#include <lps/runner/stop_signals.h>
#include <lps/runner/test_double_executor.h>
#include <lps/runner/training_executor.h>
#include <lps/runner/worker.h>
#include <lps/store/store.h>

#include "sqlite_fault_vfs.h"

#include <lps/core/fault_injection.h>

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace {

using namespace lps;

int run_worker(int argc, char** argv) {
  runner::WorkerOptions options;
  options.store_path = argv[2];
  options.idle_poll_s = 0.05;
  int double_steps = 0;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--lease") options.store_options.lease_s = std::stod(argv[i + 1]);
    else if (arg == "--double") double_steps = std::stoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "lps_reliability_worker: unknown argument %s\n", arg.c_str());
      return 2;
    }
  }
  runner::install_stop_signal_handlers();
  runner::TrainingExecutor trainer;
  runner::TestDoubleOptions double_options;
  double_options.steps = double_steps;
  double_options.step_s = 0;
  double_options.checkpoint_every = 1;
  runner::TestDoubleExecutor test_double(double_options);
  runner::Executor& executor = double_steps > 0 ? static_cast<runner::Executor&>(test_double) : trainer;
  runner::Worker worker(options, executor);
  const auto summary = worker.run();
  std::fprintf(stderr, "worker: %d completed, %d diverged, %d failed, %d stopped, %d lease lost\n", summary.completed,
               summary.diverged, summary.failed, summary.stopped, summary.lease_lost);
  return 0;
}

int open_store(char** argv) {
  const auto store = store::Store::open(argv[2]);
  std::printf("schema %d\n", store.schema_version());
  return 0;
}

int write_metrics(char** argv) {
  auto store = store::Store::open(argv[2]);
  const double seconds = std::stod(argv[3]);
  const auto claimed = store.claim(fmt::format("metrics-writer:{}", ::getpid()));
  if (!claimed) {
    std::fprintf(stderr, "lps_reliability_worker: nothing to claim\n");
    return 1;
  }
  std::vector<double> latencies_us;
  const Stopwatch total;
  store::MetricRecord m;
  while (total.seconds() < seconds) {
    ++m.step;
    m.tokens = m.step * 1024;
    m.train_loss = 3.0 / static_cast<double>(m.step);
    const Stopwatch commit;
    store.record_metrics(store::fence_of(*claimed), m);
    latencies_us.push_back(commit.seconds() * 1e6);
    if (m.step % 64 == 0) (void)store.heartbeat(store::fence_of(*claimed));
  }
  std::ofstream out(argv[4]);
  for (const double us : latencies_us) out << us << "\n";
  std::printf("rows %zu\n", latencies_us.size());
  return out ? 0 : 1;
}

}  // namespace

// Mirrors the existence of the flag file into set_disk_full_for_testing() until the process ends.
void watch_disk_full_flag(std::string flag) {
  std::thread([flag = std::move(flag)] {
    for (;;) {
      std::error_code ec;
      set_disk_full_for_testing(std::filesystem::exists(flag, ec));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }).detach();
}

int main(int argc, char** argv) {
  at::set_num_threads(1);
  const char* flag = std::getenv("LPS_TEST_DISK_FULL_FLAG");
  if (flag != nullptr || std::getenv("LPS_FAULT_ENOSPC") != nullptr) lps::reliability::install_sqlite_fault_vfs();
  if (flag != nullptr) watch_disk_full_flag(flag);
  const std::string command = argc > 1 ? argv[1] : "";
  try {
    if (command == "worker" && argc >= 3) return run_worker(argc, argv);
    if (command == "open" && argc == 3) return open_store(argv);
    if (command == "metrics" && argc == 5) return write_metrics(argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lps_reliability_worker: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: lps_reliability_worker worker STORE [--lease S] [--double STEPS] | open STORE | "
                       "metrics STORE SECONDS OUT\n");
  return 2;
}
