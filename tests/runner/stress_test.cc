// Multi-process queue stress tests (issue 3, "Done when"): worker processes (lps_stress_worker: the real
// worker loop with the test-double executor) hammering one store, with and without kill -9, SIGSTOP and
// SIGTERM — each on a SQLite file and on a PostgreSQL server (issue 9; tests/store/pg_test_server.h).
// Figures (runs/s, wall time) are printed and recorded in docs/queue.md and docs/postgresql.md.
#include <lps/core/clock.h>
#include <lps/core/error.h>
#include <lps/store/store.h>

#include "runner_test_support.h"
#include "store/store_test_support.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

namespace lps::runner {
namespace {

using store::AttemptOutcome;
using store::RunState;
using test::TempDir;
using store::test::StoreDir;

class Stress : public store::test::BackendTest {
 protected:
  [[nodiscard]] const char* backend() const {
    return GetParam() == store::test::Backend::kSqlite ? "SQLite" : "PostgreSQL";
  }
};

const std::string kWorker = LPS_STRESS_WORKER;

struct Child {
  pid_t pid = -1;
  std::string name;
};

// Starts the stress worker with `args`; stdout and stderr go to `output`.
Child start_worker(const std::vector<std::string>& args, const std::string& output, const std::string& name) {
  std::vector<std::string> all = {kWorker};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, kWorker.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  EXPECT_EQ(rc, 0) << "cannot start " << kWorker;
  return {pid, name};
}

// Waits for the child; returns its exit code, or 128 + signal.
int wait_child(const Child& c) {
  int status = 0;
  if (::waitpid(c.pid, &status, 0) != c.pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Waits up to `timeout_s`; returns the exit code, or nullopt when it is still running.
std::optional<int> wait_child_for(const Child& c, double timeout_s) {
  const Stopwatch clock;
  while (clock.seconds() < timeout_s) {
    int status = 0;
    const pid_t done = ::waitpid(c.pid, &status, WNOHANG);
    if (done == c.pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

// SIGSTOPs `c` at a moment when it holds no write lock on the store. A SQLite writer's lock belongs to the
// process: stopped inside a transaction (a heartbeat, a metric write) it would lock every other process out
// until it resumes — SQLite's nature, not a lease the queue could expire. The test is about a worker stopped
// between writes, so it stops the worker, waits until the stop has taken effect, and probes with one write
// transaction that gives up at once (requeue_expired: the first thing any claimer does); when the probe
// meets the lock it lets the worker go on for a moment and tries again.
void stop_outside_a_write(const Child& c, const std::string& store_url) {
  store::StoreOptions probe;
  probe.busy_timeout_ms = 0;
  probe.busy_give_up_s = 1e-3;
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> run_on_us(200, 20000);
  for (int tries = 1;; ++tries) {
    ASSERT_EQ(::kill(c.pid, SIGSTOP), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(c.pid, &status, WUNTRACED), c.pid);
    ASSERT_TRUE(WIFSTOPPED(status)) << c.name << " ended instead of stopping";
    try {
      auto store = store::Store::open(store_url, probe);
      (void)store.requeue_expired();
      std::printf("[ paused   ] %s stopped outside a write transaction (try %d)\n", c.name.c_str(), tries);
      return;
    } catch (const Error& locked) {
      ASSERT_LT(tries, 1000) << c.name << " always held the store's write lock: " << locked.what();
    }
    ASSERT_EQ(::kill(c.pid, SIGCONT), 0);
    std::this_thread::sleep_for(std::chrono::microseconds(run_on_us(rng)));
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The "C key attempt" / "R key outcome" lines of a worker log.
struct LogLines {
  std::map<std::string, int> claims;                 // key -> times claimed
  std::map<std::string, std::vector<std::string>> results;  // key -> outcomes recorded
};

LogLines read_log(const std::string& path) {
  LogLines lines;
  std::ifstream in(path);
  std::string kind, key, value;
  while (in >> kind >> key >> value) {
    if (kind == "C") ++lines.claims[key];
    if (kind == "R") lines.results[key].push_back(value);
  }
  return lines;
}

std::vector<std::string> worker_args(const std::string& store, const std::string& id, const std::string& log,
                                     double lease_s, int steps, double step_ms) {
  return {"--store", store, "--id", id, "--log", log, "--lease", fmt::format("{}", lease_s),
          "--heartbeat", fmt::format("{}", lease_s / 4), "--steps", std::to_string(steps), "--step-ms",
          fmt::format("{}", step_ms)};
}

TEST_P(Stress, EightWorkerProcessesRunTenThousandRunsEachClaimedExactlyOnce) {
  TempDir dir;
  const StoreDir location(GetParam());
  const auto path = location.file("s.db");
  constexpr int kRuns = 10000;
  constexpr int kWorkers = 8;
  {
    auto store = store::Store::open(path);
    (void)store.submit(test::double_sweep(dir), test::double_runs(kRuns));
  }
  const Stopwatch clock;
  std::vector<Child> children;
  for (int w = 0; w < kWorkers; ++w) {
    children.push_back(start_worker(worker_args(path, fmt::format("w{}", w), dir.file("log"), 30, 1, 0),
                                    dir.file(fmt::format("w{}.out", w)), fmt::format("w{}", w)));
  }
  for (const auto& c : children) {
    const int code = wait_child(c);
    const std::string out = read_file(dir.file(c.name + ".out"));
    EXPECT_EQ(code, 0) << c.name << ":\n" << out;
    EXPECT_EQ(out.find("locked"), std::string::npos) << out;
    EXPECT_EQ(out.find("busy"), std::string::npos) << out;
    EXPECT_EQ(out.find("BUSY"), std::string::npos) << out;
  }
  const double wall = clock.seconds();

  const auto log = read_log(dir.file("log"));
  EXPECT_EQ(log.claims.size(), static_cast<size_t>(kRuns)) << "lost runs";
  int twice = 0;
  for (const auto& [key, n] : log.claims) twice += n > 1 ? 1 : 0;
  EXPECT_EQ(twice, 0) << "runs claimed twice";

  auto store = store::Store::open(path);
  EXPECT_EQ(store.count_states()[RunState::kCompleted], kRuns);
  int attempts = 0;
  for (const auto& run : store.runs()) attempts += run.attempts;
  EXPECT_EQ(attempts, kRuns);
  EXPECT_EQ(store.integrity_check(), "ok");
  std::printf("[ figures  ] %s: %d runs by %d worker processes in %.1f s: %.0f runs/s claimed and completed\n",
              backend(), kRuns, kWorkers, wall, kRuns / wall);
}

TEST_P(Stress, ThreeHundredKillNinesAcrossEightWorkersLeaveEveryRunWithExactlyOneResult) {
  TempDir dir;
  const StoreDir location(GetParam());
  const auto path = location.file("s.db");
  constexpr int kRuns = 2000;
  constexpr int kWorkers = 8;
  constexpr int kKills = 300;
  constexpr double kLease = 1.0;
  {
    auto store = store::Store::open(path);
    (void)store.submit(test::double_sweep(dir), test::double_runs(kRuns, /*max_attempts=*/1000, /*backoff_s=*/0));
  }
  const Stopwatch clock;
  std::vector<Child> children(kWorkers);
  int generation = 0;
  auto spawn_slot = [&](int w) {
    children[w] = start_worker(worker_args(path, fmt::format("w{}.{}", w, generation++), dir.file("log"), kLease, 3, 2),
                               dir.file(fmt::format("w{}.out", w)), fmt::format("w{}", w));
  };
  for (int w = 0; w < kWorkers; ++w) spawn_slot(w);
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> pick(0, kWorkers - 1);
  std::uniform_int_distribution<int> pause_ms(2, 30);
  int kills = 0;
  while (kills < kKills) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    const int w = pick(rng);
    ::kill(children[w].pid, SIGKILL);
    (void)wait_child(children[w]);
    ++kills;
    spawn_slot(w);
  }
  const double kill_phase = clock.seconds();
  for (const auto& c : children) {
    const auto code = wait_child_for(c, 300);
    ASSERT_TRUE(code.has_value()) << c.name << " did not finish";
    EXPECT_EQ(*code, 0) << c.name << ":\n" << read_file(dir.file(c.name + ".out"));
  }
  const double wall = clock.seconds();

  auto store = store::Store::open(path);
  EXPECT_EQ(store.integrity_check(), "ok");
  const auto runs = store.runs();
  ASSERT_EQ(runs.size(), static_cast<size_t>(kRuns));
  int retried = 0;
  for (const auto& run : runs) {
    EXPECT_EQ(run.state, RunState::kCompleted) << run.label;
    EXPECT_DOUBLE_EQ(run.final_eval_loss.value_or(0), 2.0 + std::stoul(run.key.substr(0, 8), nullptr, 16) / 4294967296.0);
    int completed_attempts = 0;
    for (const auto& a : store.attempts(run.id)) completed_attempts += a.outcome == AttemptOutcome::kCompleted ? 1 : 0;
    EXPECT_EQ(completed_attempts, 1) << run.label;
    retried += run.attempts > 1 ? 1 : 0;
  }
  // The workers' own logs: no run had a result recorded twice (the fence rejected every stale writer).
  const auto log = read_log(dir.file("log"));
  int doubled = 0;
  for (const auto& [key, outcomes] : log.results) doubled += outcomes.size() > 1 ? 1 : 0;
  EXPECT_EQ(doubled, 0);
  EXPECT_GT(retried, 0) << "no kill hit a running run; the test did not test anything";
  std::printf("[ figures  ] %s: %d runs, %d kill -9 over %.1f s, %d runs retried after a kill; all done in %.1f s\n",
              backend(), kRuns, kills, kill_phase, retried, wall);
}

TEST_P(Stress, APausedWorkerProcessWhoseLeaseExpiredCannotWriteAfterAnotherTookItsRun) {
  TempDir dir;
  const StoreDir location(GetParam());
  const auto path = location.file("s.db");
  {
    auto store = store::Store::open(path);
    (void)store.submit(test::double_sweep(dir), test::double_runs(1, 5, 0, {"long [slow]"}));
  }
  // [slow]: 100 × 5 ms = 0.5 s per step, 8 steps.
  const Child paused = start_worker(worker_args(path, "paused", dir.file("log"), 0.6, 8, 5), dir.file("paused.out"), "paused");
  auto store = store::Store::open(path);
  while (store.count_states()[RunState::kRunning] == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop_outside_a_write(paused, path);
  if (HasFatalFailure()) return;
  std::this_thread::sleep_for(std::chrono::milliseconds(900));  // past its lease
  const Child live = start_worker(worker_args(path, "live", dir.file("log"), 5, 8, 0), dir.file("live.out"), "live");
  EXPECT_EQ(wait_child(live), 0) << read_file(dir.file("live.out"));
  const double takeover_done = unix_time_now();
  ::kill(paused.pid, SIGCONT);
  const auto code = wait_child_for(paused, 30);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  const std::string out = read_file(dir.file("paused.out"));
  EXPECT_NE(out.find("no longer holds the run"), std::string::npos) << out;

  const auto run = store.runs()[0];
  EXPECT_EQ(run.state, RunState::kCompleted);
  const auto attempts = store.attempts(run.id);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].worker, "paused");
  EXPECT_EQ(attempts[0].outcome, AttemptOutcome::kLeaseExpired);
  EXPECT_EQ(attempts[1].worker, "live");
  EXPECT_EQ(attempts[1].outcome, AttemptOutcome::kCompleted);
  EXPECT_DOUBLE_EQ(run.final_eval_loss.value_or(0),
                   2.0 + std::stoul(run.key.substr(0, 8), nullptr, 16) / 4294967296.0);
  (void)takeover_done;
  const auto log = read_log(dir.file("log"));
  ASSERT_EQ(log.results.count(run.key), 1u);
  EXPECT_EQ(log.results.at(run.key).size(), 1u) << "the paused worker recorded a result too";
}

TEST_P(Stress, SigtermMakesAWorkerCheckpointReleaseItsLeaseAndExitZeroWellWithin25Seconds) {
  TempDir dir;
  const StoreDir location(GetParam());
  const auto path = location.file("s.db");
  {
    auto store = store::Store::open(path);
    (void)store.submit(test::double_sweep(dir), test::double_runs(1, 3, 0, {"long [slow]"}));
  }
  const Child worker = start_worker(worker_args(path, "w", dir.file("log"), 10, 100, 5), dir.file("w.out"), "w");
  auto store = store::Store::open(path);
  while (store.count_states()[RunState::kRunning] == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  const Stopwatch clock;
  ::kill(worker.pid, SIGTERM);
  const auto code = wait_child_for(worker, 25);
  ASSERT_TRUE(code.has_value()) << "still running 25 s after SIGTERM";
  EXPECT_EQ(*code, 0) << read_file(dir.file("w.out"));
  EXPECT_LT(clock.seconds(), 5.0);
  const auto run = store.runs()[0];
  EXPECT_EQ(run.state, RunState::kQueued) << "the lease was not released";
  EXPECT_EQ(run.failures, 0);
  EXPECT_EQ(store.attempts(run.id)[0].outcome, AttemptOutcome::kStopped);
  const auto cks = store.checkpoints(run.id);
  ASSERT_EQ(cks.size(), 1u);
  EXPECT_GE(cks[0].step, 2);
}

TEST_P(Stress, AnExecutorThatIgnoresSigtermHasItsLeaseReleasedAfterTheGrace) {
  TempDir dir;
  const StoreDir location(GetParam());
  const auto path = location.file("s.db");
  {
    auto store = store::Store::open(path);
    // One 3 s step: the test double only looks at should_stop() between steps.
    (void)store.submit(test::double_sweep(dir), test::double_runs(1, 3, 0, {"stubborn [slow]"}));
  }
  auto args = worker_args(path, "w", dir.file("log"), 10, 2, 30);
  args.insert(args.end(), {"--grace", "0.5"});
  const Child worker = start_worker(args, dir.file("w.out"), "w");
  auto store = store::Store::open(path);
  while (store.count_states()[RunState::kRunning] == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ::kill(worker.pid, SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto run = store.runs()[0];
  EXPECT_EQ(run.state, RunState::kQueued) << "the lease was not released while the executor overran";
  const auto code = wait_child_for(worker, 25);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << read_file(dir.file("w.out"));
}

LPS_ON_BOTH_BACKENDS(Stress);

}  // namespace
}  // namespace lps::runner
