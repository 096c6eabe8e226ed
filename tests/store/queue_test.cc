// The queue protocol: submit, claim, leases, fencing of stale attempts, retries, cancel and retry.
#include <lps/core/clock.h>
#include <lps/store/store.h>

#include "store_test_support.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

namespace lps::store {
namespace {

class Artifacts : public test::BackendTest {};
class Cancel : public test::BackendTest {};
class Checkpoints : public test::BackendTest {};
class Claim : public test::BackendTest {};
class Filters : public test::BackendTest {};
class Finish : public test::BackendTest {};
class Lease : public test::BackendTest {};
class Metrics : public test::BackendTest {};
class Retry : public test::BackendTest {};
class Submit : public test::BackendTest {};

using test::make_runs;
using test::make_sweep;
using test::StoreDir;

void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

StoreOptions short_lease(double lease_s) {
  StoreOptions o;
  o.lease_s = lease_s;
  return o;
}

TEST_P(Submit, TheSameSweepTwiceAddsNothing) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"));
  const auto first = store.submit(make_sweep(), make_runs(5));
  EXPECT_EQ(first.added, 5);
  EXPECT_EQ(first.existing, 0);
  const auto second = store.submit(make_sweep(), make_runs(5));
  EXPECT_EQ(second.added, 0);
  EXPECT_EQ(second.existing, 5);
  EXPECT_EQ(store.runs().size(), 5u);
}

TEST_P(Submit, AnEditedSweepAddsOnlyItsNewRunsAndNeverTouchesFinishedOnes) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"));
  (void)store.submit(make_sweep(), make_runs(2));
  auto c = store.claim("w");
  ASSERT_TRUE(c);
  AttemptReport done;
  done.final_eval_loss = 3.25;
  done.tokens_per_s = 100;
  store.finish(fence_of(*c), done);
  auto edited = make_runs(4);
  edited[0].spec_json = "{\"changed\":true}";  // same key: must not be overwritten
  const auto r = store.submit(make_sweep(), edited);
  EXPECT_EQ(r.added, 2);
  EXPECT_EQ(r.existing, 2);
  const auto runs = store.runs();
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0].state, RunState::kCompleted);
  EXPECT_EQ(runs[0].final_eval_loss.value_or(0), 3.25);
  EXPECT_EQ(store.run_spec_json(runs[0].key).value_or(""), "{\"i\":0}");
  EXPECT_EQ(store.count_states()[RunState::kQueued], 3);
}

TEST_P(Submit, TheSameSweepSubmittedConcurrentlyYieldsExactlyItsRuns) {
  StoreDir dir(GetParam());
  const auto path = dir.file("s.db");
  { auto store = Store::open(path); }
  constexpr int kRuns = 300;
  constexpr int kSubmitters = 4;
  std::vector<std::thread> threads;
  std::vector<SubmitResult> results(kSubmitters);
  for (int t = 0; t < kSubmitters; ++t) {
    threads.emplace_back([&, t] {
      auto store = Store::open(path);  // one connection each, as separate processes would have
      results[t] = store.submit(make_sweep(), make_runs(kRuns));
    });
  }
  for (auto& t : threads) t.join();
  int added = 0;
  for (const auto& r : results) {
    added += r.added;
    EXPECT_EQ(r.added + r.existing, kRuns);
  }
  EXPECT_EQ(added, kRuns);
  auto store = Store::open(path);
  EXPECT_EQ(store.runs().size(), static_cast<size_t>(kRuns));
  EXPECT_EQ(store.sweeps().size(), 1u);
}

TEST_P(Submit, SqlLookingNamesAreStoredVerbatim) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"));
  const std::string sweep = "x'); DROP TABLE runs; --";
  auto runs = make_runs(1);
  runs[0].label = "Robert'); DELETE FROM runs WHERE ('1'='1";
  runs[0].scheme = "\" OR 1=1 --";
  runs[0].spec_json = "{\"name\":\"'; DROP TABLE sweeps; --\"}";
  (void)store.submit(make_sweep(sweep), runs);
  const auto rows = store.runs();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].sweep, sweep);
  EXPECT_EQ(rows[0].label, runs[0].label);
  EXPECT_EQ(rows[0].scheme, runs[0].scheme);
  EXPECT_EQ(store.run_spec_json(rows[0].key).value_or(""), runs[0].spec_json);
  RunFilter by_label;
  by_label.runs = {runs[0].label};
  by_label.sweep = sweep;
  EXPECT_EQ(store.runs(by_label).size(), 1u);
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST_P(Claim, TakesRunsOldestFirstWithAttemptNumbersAndALease) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"), short_lease(30));
  (void)store.submit(make_sweep(), make_runs(2));
  const auto a = store.claim("w1");
  const auto b = store.claim("w2");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->label, "run-0");
  EXPECT_EQ(b->label, "run-1");
  EXPECT_EQ(a->attempt, 1);
  EXPECT_EQ(a->sweep, "s");
  EXPECT_EQ(a->spec_json, "{\"i\":0}");
  EXPECT_GT(a->lease_expires, unix_time_now() + 25);
  EXPECT_FALSE(store.claim("w3"));
  const auto runs = store.runs();
  EXPECT_EQ(runs[0].state, RunState::kRunning);
  EXPECT_EQ(runs[0].lease_owner, "w1");
  const auto attempts = store.attempts(a->run_id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].worker, "w1");
  EXPECT_FALSE(attempts[0].outcome.has_value());
}

TEST_P(Claim, CanBeLimitedToOneSweep) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"));
  (void)store.submit(make_sweep("a"), make_runs(1));
  auto other = make_runs(2);
  other.erase(other.begin());
  (void)store.submit(make_sweep("b"), other);
  const auto c = store.claim("w", "b");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->sweep, "b");
  EXPECT_FALSE(store.claim("w", "b"));
  EXPECT_EQ(store.count_states("a")[RunState::kQueued], 1);
}

TEST_P(Lease, HeartbeatRenewsTheLeaseSoTheRunIsNotTakenOver) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"), short_lease(0.4));
  (void)store.submit(make_sweep(), make_runs(1));
  const auto c = store.claim("w1");
  ASSERT_TRUE(c);
  for (int i = 0; i < 5; ++i) {
    sleep_s(0.15);
    EXPECT_EQ(store.heartbeat(fence_of(*c)), HeartbeatStatus::kRenewed);
  }
  EXPECT_FALSE(store.claim("w2"));
  EXPECT_NO_THROW(store.record_metrics(fence_of(*c), {10, 100, 2.5, std::nullopt, 1e-3, 0.5, 1000}));
}

TEST_P(Lease, APausedWorkerWhoseLeaseExpiredCannotWriteAfterAnotherTookItsRun) {
  StoreDir dir(GetParam());
  const auto path = dir.file("s.db");
  auto zombie_store = Store::open(path, short_lease(0.3));
  auto live_store = Store::open(path, short_lease(30));
  (void)zombie_store.submit(make_sweep(), make_runs(1));
  const auto zombie = zombie_store.claim("zombie");
  ASSERT_TRUE(zombie);
  zombie_store.record_metrics(fence_of(*zombie), {1, 10, 5.0, std::nullopt, 1e-3, 1, 10});
  sleep_s(0.5);  // the zombie is "paused": no heartbeat
  const auto live = live_store.claim("live");
  ASSERT_TRUE(live) << "the expired lease was not requeued";
  EXPECT_EQ(live->run_id, zombie->run_id);
  EXPECT_EQ(live->attempt, 2);

  const auto f = fence_of(*zombie);
  EXPECT_EQ(zombie_store.heartbeat(f), HeartbeatStatus::kLost);
  try {
    zombie_store.record_metrics(f, {2, 20, 4.0, std::nullopt, 1e-3, 1, 10});
    FAIL() << "a stale attempt's metrics were accepted";
  } catch (const LeaseLost& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("attempt 2 of worker 'live' has taken the run over"), std::string::npos) << what;
  }
  EXPECT_THROW((void)zombie_store.record_checkpoint(f, {0, 0, 0, 2, "/tmp/ck", "00", 0}, 2), LeaseLost);
  AttemptReport report;
  report.final_eval_loss = 1.0;
  EXPECT_THROW(zombie_store.finish(f, report), LeaseLost);

  // Nothing of the zombie landed after the takeover; the live attempt proceeds.
  EXPECT_EQ(live_store.metrics(live->run_id).size(), 1u);
  EXPECT_TRUE(live_store.checkpoints(live->run_id).empty());
  report.final_eval_loss = 2.0;
  live_store.finish(fence_of(*live), report);
  const auto run = live_store.runs()[0];
  EXPECT_EQ(run.state, RunState::kCompleted);
  EXPECT_EQ(run.final_eval_loss.value_or(0), 2.0);
  const auto attempts = live_store.attempts(run.id);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].outcome, AttemptOutcome::kLeaseExpired);
  EXPECT_EQ(attempts[1].outcome, AttemptOutcome::kCompleted);
}

TEST_P(Lease, AnExpiredLeaseRejectsWritesEvenBeforeAnotherWorkerClaims) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"), short_lease(0.2));
  (void)store.submit(make_sweep(), make_runs(1));
  const auto c = store.claim("w");
  ASSERT_TRUE(c);
  sleep_s(0.3);
  try {
    store.record_metrics(fence_of(*c), {1, 1, 1, std::nullopt, 0, 0, 0});
    FAIL();
  } catch (const LeaseLost& e) {
    EXPECT_NE(std::string(e.what()).find("lease expired"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store.heartbeat(fence_of(*c)), HeartbeatStatus::kLost);
}

TEST_P(Lease, ExpiredLeasesCountAsFailuresAndFailTheRunAtMaxAttempts) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"), short_lease(0.1));
  (void)store.submit(make_sweep(), make_runs(1, /*max_attempts=*/2, /*backoff_s=*/0));
  ASSERT_TRUE(store.claim("a"));
  sleep_s(0.15);
  ASSERT_TRUE(store.claim("b"));
  sleep_s(0.15);
  EXPECT_EQ(store.requeue_expired(), 1);
  const auto run = store.runs()[0];
  EXPECT_EQ(run.state, RunState::kFailed);
  EXPECT_EQ(run.failures, 2);
  EXPECT_NE(run.error.find("lease expired"), std::string::npos) << run.error;
  EXPECT_FALSE(store.claim("c"));
}

TEST_P(Finish, FailuresAreRetriedWithExponentialBackoffThenFailed) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"));
  (void)store.submit(make_sweep(), make_runs(1, /*max_attempts=*/3, /*backoff_s=*/0.2));
  AttemptReport failure;
  failure.outcome = AttemptOutcome::kFailed;
  failure.message = "CUDA error: out of memory";

  auto c = store.claim("w");
  ASSERT_TRUE(c);
  const double t1 = unix_time_now();
  store.finish(fence_of(*c), failure);
  auto run = store.runs()[0];
  EXPECT_EQ(run.state, RunState::kQueued);
  EXPECT_EQ(run.failures, 1);
  EXPECT_NEAR(run.not_before - t1, 0.2, 0.05);
  EXPECT_EQ(run.error, failure.message);
  EXPECT_FALSE(store.claim("w")) << "claimed during the backoff";
  sleep_s(0.25);
  c = store.claim("w");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->attempt, 2);
  const double t2 = unix_time_now();
  store.finish(fence_of(*c), failure);
  run = store.runs()[0];
  EXPECT_NEAR(run.not_before - t2, 0.4, 0.05) << "the second delay doubles";
  sleep_s(0.45);
  c = store.claim("w");
  ASSERT_TRUE(c);
  store.finish(fence_of(*c), failure);
  run = store.runs()[0];
  EXPECT_EQ(run.state, RunState::kFailed);
  EXPECT_EQ(run.failures, 3);
  EXPECT_TRUE(run.finished.has_value());
  EXPECT_FALSE(store.claim("w"));
}

TEST_P(Finish, DivergedRunsAreNeverRetried) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"));
  (void)store.submit(make_sweep(), make_runs(1, 5, 0));
  const auto c = store.claim("w");
  ASSERT_TRUE(c);
  AttemptReport diverged;
  diverged.outcome = AttemptOutcome::kDiverged;
  diverged.message = "loss is NaN at step 120";
  store.finish(fence_of(*c), diverged);
  EXPECT_FALSE(store.claim("w"));
  const auto run = store.runs()[0];
  EXPECT_EQ(run.state, RunState::kDiverged);
  EXPECT_EQ(run.error, diverged.message);
  EXPECT_EQ(store.retry({}), 0) << "retry leaves diverged runs alone unless asked";
  EXPECT_EQ(store.retry({}, /*include_diverged=*/true), 1);
}

TEST_P(Finish, AStoppedAttemptIsRequeuedAtOnceWithoutCountingAsAFailure) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"));
  (void)store.submit(make_sweep(), make_runs(1, 1, 100));
  auto c = store.claim("w");
  ASSERT_TRUE(c);
  AttemptReport stopped;
  stopped.outcome = AttemptOutcome::kStopped;
  store.finish(fence_of(*c), stopped);
  auto run = store.runs()[0];
  EXPECT_EQ(run.state, RunState::kQueued);
  EXPECT_EQ(run.failures, 0);
  c = store.claim("w2");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->attempt, 2);
  EXPECT_EQ(store.attempts(c->run_id)[0].outcome, AttemptOutcome::kStopped);
}

TEST_P(Cancel, ACancelledRunningRunTellsItsWorkerToStopAndRejectsItsWrites) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"));
  (void)store.submit(make_sweep(), make_runs(3));
  const auto c = store.claim("w");
  ASSERT_TRUE(c);
  RunFilter filter;
  filter.runs = {c->label, make_runs(3)[1].key.substr(0, 10)};  // a label and a key prefix
  EXPECT_EQ(store.cancel(filter), 2);
  EXPECT_EQ(store.heartbeat(fence_of(*c)), HeartbeatStatus::kCancelled);
  EXPECT_THROW(store.record_metrics(fence_of(*c), {}), LeaseLost);
  const auto counts = store.count_states();
  EXPECT_EQ(counts[RunState::kCancelled], 2);
  EXPECT_EQ(counts[RunState::kQueued], 1);
  EXPECT_EQ(store.attempts(c->run_id)[0].outcome, AttemptOutcome::kCancelled);
}

TEST_P(Cancel, AShortKeyPrefixMatchesNothing) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"));
  (void)store.submit(make_sweep(), make_runs(2));
  RunFilter filter;
  filter.runs = {make_runs(1)[0].key.substr(0, 5)};
  EXPECT_EQ(store.cancel(filter), 0);
}

TEST_P(Cancel, AnAmbiguousKeyPrefixIsRefusedAndNothingIsCancelled) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"));
  auto runs = make_runs(2);
  runs[0].key = "abcdef01" + runs[0].key.substr(8);
  runs[1].key = "abcdef02" + runs[1].key.substr(8);
  (void)store.submit(make_sweep(), runs);
  RunFilter filter;
  filter.runs = {"abcdef0"};
  try {
    (void)store.cancel(filter);
    FAIL() << "an ambiguous prefix was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUserInput);
    EXPECT_NE(std::string(e.what()).find("'abcdef0' matches 2 runs"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store.count_states()[RunState::kQueued], 2);
  filter.runs = {"abcdef02"};
  EXPECT_EQ(store.cancel(filter), 1);
}

TEST_P(Retry, PutsFailedAndCancelledRunsBackWithTheirFailuresReset) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"));
  (void)store.submit(make_sweep(), make_runs(3, 1, 0));
  auto c = store.claim("w");
  ASSERT_TRUE(c);
  AttemptReport failure;
  failure.outcome = AttemptOutcome::kFailed;
  failure.message = "boom";
  store.finish(fence_of(*c), failure);
  RunFilter second;
  second.runs = {"run-1"};
  EXPECT_EQ(store.cancel(second), 1);
  RunFilter by_state;
  by_state.states = {RunState::kFailed};
  EXPECT_EQ(store.retry(by_state), 1);
  EXPECT_EQ(store.retry({}), 1);  // the cancelled one
  const auto runs = store.runs();
  for (const auto& r : runs) {
    EXPECT_EQ(r.state, RunState::kQueued) << r.label;
    EXPECT_EQ(r.failures, 0);
    EXPECT_EQ(r.error, "");
  }
  c = store.claim("w");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->attempt, 2) << "attempt numbers keep increasing across retries";
}

TEST_P(Checkpoints, KeepsTheNewestKAndReturnsThePathsItForgot) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"));
  (void)store.submit(make_sweep(), make_runs(1));
  const auto c = store.claim("w");
  ASSERT_TRUE(c);
  const auto f = fence_of(*c);
  EXPECT_TRUE(store.record_checkpoint(f, {0, 0, 0, 10, "/ck/10", "a", 0}, 2).empty());
  EXPECT_TRUE(store.record_checkpoint(f, {0, 0, 0, 20, "/ck/20", "b", 0}, 2).empty());
  const auto forgotten = store.record_checkpoint(f, {0, 0, 0, 30, "/ck/30", "c", 0}, 2);
  ASSERT_EQ(forgotten.size(), 1u);
  EXPECT_EQ(forgotten[0], "/ck/10");
  auto cks = store.checkpoints(c->run_id);
  ASSERT_EQ(cks.size(), 2u);
  EXPECT_EQ(cks[0].step, 30);
  EXPECT_EQ(cks[0].sha256, "c");
  store.reject_checkpoint(f, cks[0].id, "sha mismatch");
  cks = store.checkpoints(c->run_id);
  ASSERT_EQ(cks.size(), 1u);
  EXPECT_EQ(cks[0].step, 20);
}

TEST_P(Metrics, RowsAreStoredInOrderAndShowAsProgress) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"));
  (void)store.submit(make_sweep(), make_runs(1));
  const auto c = store.claim("w");
  ASSERT_TRUE(c);
  store.record_metrics(fence_of(*c), {10, 1000, 4.0, std::nullopt, 1e-3, 0.9, 500});
  store.record_metrics(fence_of(*c), {20, 2000, 3.5, 3.6, 9e-4, 0.8, 600});
  const auto m = store.metrics(c->run_id);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_FALSE(m[0].eval_loss.has_value());
  EXPECT_EQ(m[1].eval_loss.value_or(0), 3.6);
  const auto run = store.runs()[0];
  EXPECT_EQ(run.progress_tokens.value_or(0), 2000);
  EXPECT_EQ(run.progress_step.value_or(0), 20);
  EXPECT_EQ(run.progress_tokens_per_s.value_or(0), 600);
}

TEST_P(Artifacts, FitsAndBenchmarksRoundTripTheirPayloads) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"));
  const auto id = store.save_fit({0, "sweep-a", "quartet-law", "{\"alpha\":0.3}", 0});
  (void)store.save_fit({0, "sweep-b", "chinchilla", "{}", 0});
  (void)store.save_benchmark({0, "gemm", "speedup", "{\"ratio\":1.9}", 0});
  const auto fits = store.fits("sweep-a");
  ASSERT_EQ(fits.size(), 1u);
  EXPECT_EQ(fits[0].id, id);
  EXPECT_EQ(fits[0].payload_json, "{\"alpha\":0.3}");
  EXPECT_GT(fits[0].created, 0);
  EXPECT_EQ(store.fits().size(), 2u);
  EXPECT_EQ(store.benchmarks()[0].kind, "speedup");
}

TEST_P(Filters, RunsCanBeListedByStateAndScheme) {
  StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"));
  (void)store.submit(make_sweep(), make_runs(4));
  (void)store.claim("w");
  RunFilter f;
  f.scheme = "quartet";
  EXPECT_EQ(store.runs(f).size(), 2u);
  f.states = {RunState::kQueued};
  EXPECT_EQ(store.runs(f).size(), 2u);
  f.scheme = "bf16";
  EXPECT_EQ(store.runs(f).size(), 1u);
}

LPS_ON_BOTH_BACKENDS(Artifacts);
LPS_ON_BOTH_BACKENDS(Cancel);
LPS_ON_BOTH_BACKENDS(Checkpoints);
LPS_ON_BOTH_BACKENDS(Claim);
LPS_ON_BOTH_BACKENDS(Filters);
LPS_ON_BOTH_BACKENDS(Finish);
LPS_ON_BOTH_BACKENDS(Lease);
LPS_ON_BOTH_BACKENDS(Metrics);
LPS_ON_BOTH_BACKENDS(Retry);
LPS_ON_BOTH_BACKENDS(Submit);

}  // namespace
}  // namespace lps::store
