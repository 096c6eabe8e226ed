// One worker process for the signal test (signal_resume_test.cc): `signal_worker_child STORE RESULT READY`.
// It is `lpsweep worker` in miniature with the same parts: the stop-signal handlers (SIGTERM, SIGINT, SIGUSR1)
// installed first, then READY is created; the real Worker with TrainingExecutor (tiny model, CPU, one
// thread); the same exit deadline (the heartbeat releases the lease after 18 s, the process leaves at 24 s).
// When its run completes it appends "RESULT <final eval loss as hex float> <params sha256>" to RESULT.
#include <lps/core/clock.h>
#include <lps/core/log.h>
#include <lps/runner/stop_signals.h>
#include <lps/runner/training_executor.h>
#include <lps/runner/worker.h>

#include <ATen/Parallel.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <thread>

namespace {

constexpr double kStopDeadlineS = 24;  // as `lpsweep worker`: SLURM's SIGKILL comes 30 s after SIGTERM

// The real executor, plus a note of each completed run's result for the test to compare.
class RecordingExecutor final : public lps::runner::Executor {
 public:
  explicit RecordingExecutor(std::string result_file) : result_file_(std::move(result_file)) {}
  lps::train::RunResult execute(const lps::plan::RunSpec& spec, const lps::store::ClaimedRun& run,
                                lps::train::RunHooks& hooks) override {
    auto result = inner_.execute(spec, run, hooks);
    if (result.status == lps::train::RunStatus::kCompleted) {
      std::ofstream out(result_file_, std::ios::app);
      char loss[64];
      std::snprintf(loss, sizeof(loss), "%a", result.final_eval_loss);
      out << "RESULT " << loss << " " << result.params_sha256 << "\n";
    }
    return result;
  }

 private:
  lps::runner::TrainingExecutor inner_;
  std::string result_file_;
};

}  // namespace

int main(int argc, char** argv) {
  lps::runner::install_stop_signal_handlers();
  if (argc != 4) {
    std::fprintf(stderr, "usage: signal_worker_child STORE RESULT_FILE READY_FILE\n");
    return 2;
  }
  std::ofstream(argv[3]).close();  // the handlers are in place: signals from now on stop cleanly
  ::setenv("CUDA_VISIBLE_DEVICES", "", 1);  // a CPU run (bit-exact resume) even on the GPU machine
  at::set_num_threads(1);
  lps::set_log_level(lps::LogLevel::kWarn);

  lps::runner::WorkerOptions options;
  options.store_path = argv[1];
  options.idle_poll_s = 0.05;
  options.stop_grace_s = kStopDeadlineS - 6;
  RecordingExecutor executor(argv[2]);
  lps::runner::Worker worker(options, executor);
  std::atomic<bool> done{false};
  std::exception_ptr error;
  lps::runner::WorkerSummary summary;
  std::thread thread([&] {
    try {
      summary = worker.run();
    } catch (...) {
      error = std::current_exception();
    }
    done.store(true);
  });
  std::optional<lps::Stopwatch> since_stop;
  while (!done.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (lps::runner::process_stop_requested() && !since_stop) since_stop.emplace();
    if (since_stop && since_stop->seconds() > kStopDeadlineS) {
      std::fprintf(stderr, "signal_worker_child: the executor did not return; leaving\n");
      std::fflush(nullptr);
      std::_Exit(0);
    }
  }
  thread.join();
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "signal_worker_child: %s\n", e.what());
    }
    return 1;
  }
  std::printf("SUMMARY completed=%d stopped=%d failed=%d lease_lost=%d\n", summary.completed, summary.stopped,
              summary.failed, summary.lease_lost);
  return 0;
}
