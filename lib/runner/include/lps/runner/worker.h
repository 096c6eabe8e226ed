// Worker: claims runs from a store and executes them until the queue is empty (or forever), one at a time.
//
// For each claimed run: a heartbeat thread renews the lease every heartbeat_s and learns of cancellation;
// the executor runs with StoreRunHooks (metrics, checkpoints, stop requests); the outcome is recorded —
// completed, diverged (never retried), failed (exception: message stored, retried with backoff) or stopped
// (signal: checkpointed and requeued). If the lease is lost (the worker was paused past its lease and
// another took the run over), every later write is rejected and the worker moves on.
//
// On a stop request (SIGTERM/SIGINT via stop_signals.h, or request_stop()) the executor is asked to stop;
// if it has not returned after stop_grace_s, the heartbeat thread releases the lease itself so the run is
// requeued at once, and run() returns as soon as the executor does.
#pragma once

#include <lps/runner/executor.h>
#include <lps/store/store.h>

#include <atomic>
#include <functional>
#include <string>

namespace lps::runner {

struct WorkerOptions {
  std::string store_path;              // the SQLite store
  store::StoreOptions store_options;   // lease_s etc.
  std::string worker_id;               // "" = "<host>:<pid>"
  std::string sweep;                   // only this sweep's runs; "" = any
  bool forever = false;                // wait for new runs instead of returning when the queue is done
  double heartbeat_s = 0;              // 0 = lease_s / 4
  double idle_poll_s = 1.0;            // wait between claims when nothing is claimable
  double stop_grace_s = 20;            // after a stop request, wait this long for the executor, then release
  int max_runs = 0;                    // return after this many runs (0 = no limit)
  int keep_checkpoints = 0;            // 0 = the run's checkpoint.keep
  // Stored on every attempt this worker claims (store::AttemptRow::info, JSON). "" = where this process runs:
  // host, pid and, inside SLURM, job / array ids, restart count and node (attempt_info_from_environment()).
  std::string attempt_info;
  // Called after each claim and after each recorded result (tests and logs); may be empty.
  std::function<void(const store::ClaimedRun&)> on_claim;
  std::function<void(const store::ClaimedRun&, store::AttemptOutcome)> on_recorded;

  [[nodiscard]] std::vector<std::string> validate() const;
};

struct WorkerSummary {
  int completed = 0;
  int diverged = 0;
  int failed = 0;        // attempts that failed (the run may be retried)
  int stopped = 0;       // attempts stopped by a signal (requeued)
  int lease_lost = 0;    // attempts whose writes were rejected (taken over or cancelled)
  [[nodiscard]] int attempts() const { return completed + diverged + failed + stopped + lease_lost; }
};

// "<hostname>:<pid>".
[[nodiscard]] std::string default_worker_id();

class Worker {
 public:
  Worker(WorkerOptions options, Executor& executor);
  // Runs until the queue (of options.sweep) has nothing queued or running, max_runs, or a stop request.
  // Throws IoError when the store cannot be opened or stays locked.
  [[nodiscard]] WorkerSummary run();
  // Asks run() to stop as a signal would (thread-safe).
  void request_stop() { stop_.store(true); }

 private:
  [[nodiscard]] bool stop_requested() const;
  WorkerOptions options_;
  Executor& executor_;
  std::atomic<bool> stop_{false};
};

}  // namespace lps::runner
