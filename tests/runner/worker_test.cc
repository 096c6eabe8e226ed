// The worker loop with the test-double executor, in one process: results, failure capture, retries,
// divergence, stop requests with checkpoint and resume, cancellation, checkpoint retention and verification.
#include <lps/core/clock.h>
#include <lps/core/error.h>
#include <lps/runner/stop_signals.h>
#include <lps/runner/test_double_executor.h>
#include <lps/runner/worker.h>

#include "runner_test_support.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

namespace lps::runner {
namespace {

using store::AttemptOutcome;
using store::RunState;
using test::TempDir;

WorkerOptions options_for(const std::string& path) {
  WorkerOptions o;
  o.store_path = path;
  o.worker_id = "w";
  o.idle_poll_s = 0.02;
  o.store_options.lease_s = 5;
  return o;
}

TEST(Worker, RunsEveryQueuedRunAndRecordsTheExecutorsResult) {
  TempDir dir;
  const auto path = dir.file("s.db");
  auto store = store::Store::open(path);
  (void)store.submit(test::double_sweep(dir), test::double_runs(5));
  TestDoubleExecutor executor({3, 0.0, 0});
  Worker worker(options_for(path), executor);
  const auto summary = worker.run();
  EXPECT_EQ(summary.completed, 5);
  for (const auto& run : store.runs()) {
    EXPECT_EQ(run.state, RunState::kCompleted) << run.label;
    EXPECT_DOUBLE_EQ(run.final_eval_loss.value_or(0), test_double_loss(run.key));
    EXPECT_EQ(run.steps.value_or(0), 3);
    EXPECT_GT(run.tokens_per_s.value_or(0), 0);
    EXPECT_EQ(store.metrics(run.id).size(), 3u);
    EXPECT_EQ(store.metrics(run.id).back().eval_loss.value_or(0), test_double_loss(run.key));
  }
}

TEST(Worker, CapturesExceptionsAsFailedAttemptsAndRetriesThemUpToMaxAttempts) {
  TempDir dir;
  const auto path = dir.file("s.db");
  auto store = store::Store::open(path);
  (void)store.submit(test::double_sweep(dir), test::double_runs(2, 3, 0, {"always [fail]", "once [flaky]"}));
  TestDoubleExecutor executor({2, 0.0, 0});
  Worker worker(options_for(path), executor);
  const auto summary = worker.run();
  EXPECT_EQ(summary.failed, 4);  // three of the first run, one of the second
  EXPECT_EQ(summary.completed, 1);
  const auto runs = store.runs();
  EXPECT_EQ(runs[0].state, RunState::kFailed);
  EXPECT_EQ(runs[0].attempts, 3);
  EXPECT_EQ(runs[0].error, "injected failure (attempt 3)");
  EXPECT_EQ(runs[1].state, RunState::kCompleted);
  EXPECT_EQ(runs[1].attempts, 2);
  const auto attempts = store.attempts(runs[1].id);
  EXPECT_EQ(attempts[0].outcome, AttemptOutcome::kFailed);
  EXPECT_EQ(attempts[0].message, "injected failure on the first attempt");
}

TEST(Worker, DivergedRunsAreRecordedOnceAndNotRetried) {
  TempDir dir;
  const auto path = dir.file("s.db");
  auto store = store::Store::open(path);
  (void)store.submit(test::double_sweep(dir), test::double_runs(1, 5, 0, {"x [diverge]"}));
  TestDoubleExecutor executor({4, 0.0, 0});
  Worker worker(options_for(path), executor);
  const auto summary = worker.run();
  EXPECT_EQ(summary.diverged, 1);
  const auto run = store.runs()[0];
  EXPECT_EQ(run.state, RunState::kDiverged);
  EXPECT_EQ(run.attempts, 1);
  EXPECT_NE(run.error.find("diverged at step 2"), std::string::npos) << run.error;
}

TEST(Worker, AStopRequestCheckpointsRequeuesTheRunAndTheNextWorkerResumes) {
  TempDir dir;
  const auto path = dir.file("s.db");
  auto store = store::Store::open(path);
  (void)store.submit(test::double_sweep(dir), test::double_runs(1, 3, 0, {"long [slow]"}));
  TestDoubleExecutor slow({20, 0.002, 0});  // [slow]: 0.2 s per step
  Worker first(options_for(path), slow);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    first.request_stop();
  });
  const auto summary = first.run();
  stopper.join();
  EXPECT_EQ(summary.stopped, 1);
  auto run = store.runs()[0];
  EXPECT_EQ(run.state, RunState::kQueued);
  EXPECT_EQ(run.failures, 0);
  const auto cks = store.checkpoints(run.id);
  ASSERT_EQ(cks.size(), 1u);
  EXPECT_GE(cks[0].step, 2);
  EXPECT_TRUE(std::filesystem::exists(cks[0].path));
  EXPECT_EQ(cks[0].path.rfind(dir.file("out/checkpoints/" + run.key), 0), 0u) << cks[0].path;
  const int64_t resumed_from = cks[0].step;

  TestDoubleExecutor fast({20, 0.0, 0});
  Worker second(options_for(path), fast);
  EXPECT_EQ(second.run().completed, 1);
  run = store.runs()[0];
  EXPECT_EQ(run.state, RunState::kCompleted);
  EXPECT_EQ(run.attempts, 2);
  const auto metrics = store.metrics(run.id);
  // The second attempt started after the checkpoint: its first metrics row is the step after it.
  int64_t first_of_second = -1;
  for (const auto& m : metrics) {
    if (m.step == resumed_from + 1) first_of_second = m.step;
  }
  EXPECT_EQ(first_of_second, resumed_from + 1);
  EXPECT_EQ(metrics.back().step, 20);
}

TEST(Worker, ACancelledRunStopsItsWorkerWhichMovesOnToTheNextRun) {
  TempDir dir;
  const auto path = dir.file("s.db");
  auto store = store::Store::open(path);
  (void)store.submit(test::double_sweep(dir), test::double_runs(2, 3, 0, {"doomed [slow]", "next"}));
  TestDoubleExecutor executor({50, 0.002, 0});
  auto options = options_for(path);
  options.heartbeat_s = 0.05;
  Worker worker(options, executor);
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    store::RunFilter f;
    f.runs = {"doomed [slow]"};
    EXPECT_EQ(store.cancel(f), 1);
  });
  const Stopwatch clock;
  const auto summary = worker.run();
  canceller.join();
  EXPECT_LT(clock.seconds(), 5.0) << "the cancelled run was not stopped promptly";
  EXPECT_EQ(summary.lease_lost, 1);  // its final write was refused: the run is cancelled
  EXPECT_EQ(summary.completed, 1);
  const auto runs = store.runs();
  EXPECT_EQ(runs[0].state, RunState::kCancelled);
  EXPECT_EQ(runs[1].state, RunState::kCompleted);
}

TEST(Worker, KeepsOnlyTheNewestKCheckpointFiles) {
  TempDir dir;
  const auto path = dir.file("s.db");
  auto store = store::Store::open(path);
  (void)store.submit(test::double_sweep(dir), test::double_runs(1));
  TestDoubleExecutor executor({7, 0.0, 1});
  auto options = options_for(path);
  options.keep_checkpoints = 2;
  Worker worker(options, executor);
  EXPECT_EQ(worker.run().completed, 1);
  const auto run = store.runs()[0];
  const auto cks = store.checkpoints(run.id);
  ASSERT_EQ(cks.size(), 2u);
  EXPECT_EQ(cks[0].step, 6);
  EXPECT_EQ(cks[1].step, 5);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("out/checkpoints/" + run.key))) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 2);
}

TEST(Worker, ACheckpointWhoseBytesChangedIsRejectedAndNotResumedFrom) {
  TempDir dir;
  const auto path = dir.file("s.db");
  auto store = store::Store::open(path);
  (void)store.submit(test::double_sweep(dir), test::double_runs(1, 3, 0, {"long [slow]"}));
  TestDoubleExecutor slow({20, 0.002, 0});
  Worker first(options_for(path), slow);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    first.request_stop();
  });
  EXPECT_EQ(first.run().stopped, 1);
  stopper.join();
  const auto run = store.runs()[0];
  const auto ck = store.checkpoints(run.id).at(0);
  std::ofstream(ck.path, std::ios::app) << "tampered";

  TestDoubleExecutor fast({20, 0.0, 0});
  Worker second(options_for(path), fast);
  EXPECT_EQ(second.run().completed, 1);
  EXPECT_TRUE(store.checkpoints(run.id).empty()) << "the tampered checkpoint is still offered";
  const auto metrics = store.metrics(run.id);
  int restarts_at_one = 0;
  for (const auto& m : metrics) restarts_at_one += m.step == 1 ? 1 : 0;
  EXPECT_EQ(restarts_at_one, 2) << "the second attempt should have started from scratch";
}

TEST(Worker, WithForeverItWaitsForRunsSubmittedLater) {
  TempDir dir;
  const auto path = dir.file("s.db");
  auto store = store::Store::open(path);
  TestDoubleExecutor executor({1, 0.0, 0});
  auto options = options_for(path);
  options.forever = true;
  Worker worker(options, executor);
  std::thread submitter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    (void)store.submit(test::double_sweep(dir), test::double_runs(3));
    while (store.count_states()[RunState::kCompleted] < 3) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    worker.request_stop();
  });
  const auto summary = worker.run();
  submitter.join();
  EXPECT_EQ(summary.completed, 3);
}

TEST(Worker, InvalidOptionsAreRefusedTogether) {
  TestDoubleExecutor executor;
  WorkerOptions options;
  options.heartbeat_s = 100;
  options.store_options.lease_s = 10;
  options.idle_poll_s = 0;
  EXPECT_EQ(options.validate().size(), 3u);  // no store path, heartbeat ≥ lease, idle poll 0
  EXPECT_THROW(Worker(options, executor), Error);
}

TEST(Worker, TheProcessStopFlagStopsTheLoopBeforeItClaims) {
  TempDir dir;
  const auto path = dir.file("s.db");
  auto store = store::Store::open(path);
  (void)store.submit(test::double_sweep(dir), test::double_runs(2));
  TestDoubleExecutor executor;
  Worker worker(options_for(path), executor);
  request_process_stop();
  const auto summary = worker.run();
  reset_process_stop();
  EXPECT_EQ(summary.attempts(), 0);
  EXPECT_EQ(store.count_states()[RunState::kQueued], 2);
}

}  // namespace
}  // namespace lps::runner
