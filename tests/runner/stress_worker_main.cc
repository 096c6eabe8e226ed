// lps_stress_worker: a worker process for the queue stress tests — the real worker loop (lps::runner_loop)
// with the test-double executor, no LibTorch, so hundreds of them can be started and killed quickly.
//
//   lps_stress_worker --store PATH --id NAME [--lease S] [--heartbeat S] [--steps N] [--step-ms MS]
//                     [--log FILE] [--forever] [--grace S]
//
// --log appends "C <key> <attempt>" after each claim and "R <key> <outcome>" after each recorded result,
// each line with one write(2) to an O_APPEND file, so lines survive kill -9 of the writer intact.
#include <lps/core/error.h>
#include <lps/core/log.h>
#include <lps/runner/stop_signals.h>
#include <lps/runner/test_double_executor.h>
#include <lps/runner/worker.h>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

int g_log_fd = -1;

void log_line(const std::string& line) {
  if (g_log_fd < 0) return;
  const std::string text = line + "\n";
  (void)!::write(g_log_fd, text.data(), text.size());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lps;
  runner::WorkerOptions options;
  runner::TestDoubleOptions double_options;
  double_options.steps = 2;
  double_options.step_s = 0;
  std::string log_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "lps_stress_worker: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--store") options.store_path = value();
    else if (arg == "--id") options.worker_id = value();
    else if (arg == "--lease") options.store_options.lease_s = std::stod(value());
    else if (arg == "--heartbeat") options.heartbeat_s = std::stod(value());
    else if (arg == "--steps") double_options.steps = std::stoi(value());
    else if (arg == "--step-ms") double_options.step_s = std::stod(value()) / 1000.0;
    else if (arg == "--checkpoint-every") double_options.checkpoint_every = std::stoi(value());
    else if (arg == "--grace") options.stop_grace_s = std::stod(value());
    else if (arg == "--log") log_path = value();
    else if (arg == "--forever") options.forever = true;
    else {
      std::fprintf(stderr, "lps_stress_worker: unknown argument %s\n", arg.c_str());
      return 2;
    }
  }
  if (!log_path.empty()) {
    g_log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (g_log_fd < 0) {
      std::perror(log_path.c_str());
      return 1;
    }
  }
  options.idle_poll_s = 0.05;
  options.on_claim = [](const store::ClaimedRun& run) { log_line(fmt::format("C {} {}", run.key, run.attempt)); };
  options.on_recorded = [](const store::ClaimedRun& run, store::AttemptOutcome outcome) {
    log_line(fmt::format("R {} {}", run.key, store::to_string(outcome)));
  };
  if (std::getenv("LPS_LOG_LEVEL") == nullptr) set_log_level(LogLevel::kWarn);
  runner::install_stop_signal_handlers();
  try {
    runner::TestDoubleExecutor executor(double_options);
    runner::Worker worker(options, executor);
    const auto summary = worker.run();
    std::fprintf(stderr, "worker %s: %d completed, %d failed, %d stopped, %d lease lost\n",
                 options.worker_id.c_str(), summary.completed, summary.failed, summary.stopped, summary.lease_lost);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lps_stress_worker: %s\n", e.what());
    return 1;
  }
}
