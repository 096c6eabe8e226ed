#include <lps/core/clock.h>
#include <lps/core/error.h>
#include <lps/core/fault_injection.h>
#include <lps/core/log.h>
#include <lps/plan/run_spec_json.h>
#include <lps/runner/slurm_job_info.h>
#include <lps/runner/stop_signals.h>
#include <lps/runner/store_run_hooks.h>
#include <lps/runner/worker.h>

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace lps::runner {
namespace {

using store::AttemptOutcome;

constexpr double kSignalPollS = 0.05;  // how often waits look at the stop flags

// Renews the lease of one attempt until stopped; raises the control flags it learns of.
class HeartbeatThread {
 public:
  HeartbeatThread(store::Store& store, const store::ClaimedRun& run, AttemptControl& control, double interval_s,
                  double stop_grace_s, std::function<bool()> stop_requested)
      : store_(store), run_(run), control_(control), interval_s_(interval_s), stop_grace_s_(stop_grace_s),
        stop_requested_(std::move(stop_requested)), thread_([this] { loop(); }) {}
  ~HeartbeatThread() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  // True when the heartbeat thread released the lease itself (the executor overran the stop grace).
  [[nodiscard]] bool released() const { return released_.load(); }

 private:
  void loop() {
    Stopwatch since_beat;
    std::optional<Stopwatch> since_stop;
    std::unique_lock lock(mu_);
    while (!done_) {
      cv_.wait_for(lock, std::chrono::duration<double>(kSignalPollS));
      if (done_) break;
      if (stop_requested_() && !control_.stop.load()) {
        control_.stop.store(true);
        since_stop.emplace();
      }
      if (since_stop && !released_ && !control_.lost && since_stop->seconds() > stop_grace_s_) {
        release_for_executor();
        continue;
      }
      if (since_beat.seconds() < interval_s_ || control_.lost) continue;
      since_beat.reset();
      lock.unlock();
      beat();
      lock.lock();
    }
  }

  void beat() {
    try {
      switch (store_.heartbeat(store::fence_of(run_))) {
        case store::HeartbeatStatus::kRenewed: break;
        case store::HeartbeatStatus::kCancelled:
          if (!control_.cancelled.exchange(true)) log_info("run {}: cancelled by the user; stopping", run_.label);
          break;
        case store::HeartbeatStatus::kLost:
          if (!control_.lost.exchange(true)) log_warn("run {}: lease lost (another worker took it over)", run_.label);
          break;
      }
    } catch (const std::exception& e) {
      // The store stayed locked or failed: keep trying until the lease runs out; writes are fenced anyway.
      log_warn("run {}: heartbeat failed: {}", run_.label, e.what());
    }
  }

  // The executor did not return within the grace period: requeue the run now so another worker can take it.
  void release_for_executor() {
    store::AttemptReport report;
    report.outcome = AttemptOutcome::kStopped;
    report.message = fmt::format("stop requested; the executor did not return within {:.0f} s", stop_grace_s_);
    try {
      store_.finish(store::fence_of(run_), report);
      released_.store(true);
      log_warn("run {}: {}; lease released", run_.label, report.message);
    } catch (const std::exception& e) {
      log_warn("run {}: could not release the lease: {}", run_.label, e.what());
    }
    control_.lost.store(true);
  }

  store::Store& store_;
  const store::ClaimedRun& run_;
  AttemptControl& control_;
  double interval_s_;
  double stop_grace_s_;
  std::function<bool()> stop_requested_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::atomic<bool> released_{false};
  std::thread thread_;
};

store::AttemptReport to_report(const train::RunResult& result) {
  store::AttemptReport report;
  report.tokens_per_s = result.tokens_per_s;
  report.wall_s = result.wall_s;
  report.steps = result.steps;
  report.message = result.message;
  switch (result.status) {
    case train::RunStatus::kCompleted:
      report.outcome = AttemptOutcome::kCompleted;
      report.final_eval_loss = result.final_eval_loss;
      break;
    case train::RunStatus::kDiverged:
      report.outcome = AttemptOutcome::kDiverged;
      if (report.message.empty()) {
        report.message = fmt::format("diverged at step {} (value {})", result.diverged_step, result.diverged_value);
      }
      break;
    case train::RunStatus::kStopped: report.outcome = AttemptOutcome::kStopped; break;
  }
  return report;
}

}  // namespace

std::string default_worker_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return fmt::format("{}:{}", host[0] != '\0' ? host : "localhost", ::getpid());
}

std::vector<std::string> WorkerOptions::validate() const {
  std::vector<std::string> problems = store_options.validate();
  if (store_path.empty()) problems.emplace_back("store_path is empty");
  if (heartbeat_s < 0) problems.push_back(fmt::format("heartbeat_s must be ≥ 0 (got {})", heartbeat_s));
  if (heartbeat_s > 0 && heartbeat_s >= store_options.lease_s) {
    problems.push_back(fmt::format("heartbeat_s ({}) must be shorter than the lease ({} s)", heartbeat_s,
                                   store_options.lease_s));
  }
  if (!(idle_poll_s > 0)) problems.push_back(fmt::format("idle_poll_s must be > 0 (got {})", idle_poll_s));
  if (stop_grace_s < 0) problems.push_back(fmt::format("stop_grace_s must be ≥ 0 (got {})", stop_grace_s));
  if (max_runs < 0) problems.push_back(fmt::format("max_runs must be ≥ 0 (got {})", max_runs));
  return problems;
}

Worker::Worker(WorkerOptions options, Executor& executor) : options_(std::move(options)), executor_(executor) {
  if (const auto problems = options_.validate(); !problems.empty()) {
    std::string text = "invalid worker options:";
    for (const auto& p : problems) text += "\n  " + p;
    throw Error(ErrorKind::kUserInput, text);
  }
  if (options_.worker_id.empty()) options_.worker_id = default_worker_id();
  if (options_.heartbeat_s == 0) options_.heartbeat_s = options_.store_options.lease_s / 4;
  if (options_.attempt_info.empty()) options_.attempt_info = attempt_info_from_environment();
}

bool Worker::stop_requested() const { return stop_.load() || process_stop_requested(); }

WorkerSummary Worker::run() {
  auto store = store::Store::open(options_.store_path, options_.store_options);
  auto heartbeat_store = store::Store::open(options_.store_path, options_.store_options);  // its own connection
  WorkerSummary summary;
  int runs = 0;
  auto idle_wait = [&] {
    const Stopwatch waited;
    while (!stop_requested() && waited.seconds() < options_.idle_poll_s) {
      std::this_thread::sleep_for(std::chrono::duration<double>(kSignalPollS));
    }
  };
  while (!stop_requested() && (options_.max_runs == 0 || runs < options_.max_runs)) {
    auto claimed = store.claim(options_.worker_id, options_.sweep, options_.attempt_info);
    if (!claimed) {
      if (!options_.forever) {
        const auto counts = store.count_states(options_.sweep);
        if (counts[store::RunState::kQueued] + counts[store::RunState::kRunning] == 0) break;
      }
      idle_wait();
      continue;
    }
    ++runs;
    const store::ClaimedRun& run = *claimed;
    if (options_.on_claim) options_.on_claim(run);
    log_info("worker {}: run {} attempt {} ({})", options_.worker_id, run.label, run.attempt, run.key.substr(0, 12));

    AttemptControl control;
    std::optional<store::AttemptReport> report;
    bool released = false;
    {
      HeartbeatThread heartbeat(heartbeat_store, run, control, options_.heartbeat_s, options_.stop_grace_s,
                                [this] { return stop_requested(); });
      try {
        const plan::RunSpec spec = plan::run_spec_from_json(run.spec_json);
        const int keep = options_.keep_checkpoints > 0 ? options_.keep_checkpoints : spec.checkpoint.keep;
        StoreRunHooks hooks(store, run, control, keep);
        report = to_report(executor_.execute(spec, run, hooks));
      } catch (const store::LeaseLost& e) {
        log_warn("worker {}: run {}: {}", options_.worker_id, run.label, e.what());
      } catch (const std::exception& e) {
        report.emplace();
        report->outcome = AttemptOutcome::kFailed;
        report->message = e.what();
        log_warn("worker {}: run {} attempt {} failed: {}", options_.worker_id, run.label, run.attempt, e.what());
      } catch (...) {
        report.emplace();
        report->outcome = AttemptOutcome::kFailed;
        report->message = "unknown exception (not derived from std::exception)";
      }
      released = heartbeat.released();
    }
    if (report && report->outcome == AttemptOutcome::kStopped) {  // say what stopped it (SLURM's USR1, TERM, ...)
      const std::string by = fmt::format("stopped by {}", describe_stop_signal(process_stop_signal()));
      report->message = report->message.empty() ? by + "; requeued" : by + ": " + report->message;
    }
    if (!report || released) {
      ++summary.lease_lost;
      continue;
    }
    try {
      // A full disk (SQLITE_FULL) must not lose the result: wait for space as long as the lease lasts.
      for (double wait_s = 0.05;; wait_s = std::min(wait_s * 2, 5.0)) {
        try {
          store.finish(store::fence_of(run), *report);
          break;
        } catch (const DiskFullError& e) {
          log_warn("worker {}: run {}: result waits, the disk is full: {}", options_.worker_id, run.label, e.what());
          std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
        }
      }
    } catch (const store::LeaseLost& e) {
      log_warn("worker {}: run {}: {}", options_.worker_id, run.label, e.what());
      ++summary.lease_lost;
      continue;
    }
    if (options_.on_recorded) options_.on_recorded(run, report->outcome);
    switch (report->outcome) {
      case AttemptOutcome::kCompleted: ++summary.completed; break;
      case AttemptOutcome::kDiverged: ++summary.diverged; break;
      case AttemptOutcome::kFailed: ++summary.failed; break;
      case AttemptOutcome::kStopped: ++summary.stopped; break;
      default: break;
    }
    log_info("worker {}: run {} {}{}", options_.worker_id, run.label, to_string(report->outcome),
             report->final_eval_loss ? fmt::format(", final eval loss {:.4f}", *report->final_eval_loss) : "");
  }
  return summary;
}

}  // namespace lps::runner
