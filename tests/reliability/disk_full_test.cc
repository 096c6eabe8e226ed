// Disk full during checkpoint and metric writes (docs/RELIABILITY.md §3). The worker process gets ENOSPC
// injected — at the checkpoint file's write (LPS_FAULT_ENOSPC=ckpt.write:…) or, for a window the test
// opens and closes, everywhere: SQLite's writes answer SQLITE_FULL through a fault VFS and every
// checkpoint write fails (LPS_TEST_DISK_FULL_FLAG). The run must wait or retry, never be marked failed,
// keep a loadable previous checkpoint, and the store must pass its integrity check once space returns.
#include "reliability_test_support.h"

#include <test_support.h>

#include <set>

namespace lps::reliability {
namespace {

constexpr int64_t kSteps = 40;
constexpr int64_t kEvery = 4;

TEST(DiskFull, EnospcOnTwoCheckpointWritesSkipsThemWithAWarningAndTheRunCompletesUnfailedAndBitExact) {
  const double expected = uninterrupted_tiny_loss(kSteps, kEvery);
  TempDir dir;
  const std::string path = dir.file("s.db"), log = dir.file("worker.log");
  submit(path, dir.file("out"), {to_submit(tiny_run(kSteps, kEvery), "tiny")});
  const int status = run_worker(path, {}, {"LPS_FAULT_ENOSPC=ckpt.write:2-3"}, log);
  const std::string text = read_file(log);
  ASSERT_TRUE(exited_ok(status)) << describe_status(status) << "\n" << text;

  const auto store = store::Store::open(path);
  const auto runs = store.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].state, store::RunState::kCompleted) << runs[0].error;
  EXPECT_EQ(runs[0].attempts, 1);
  EXPECT_EQ(runs[0].failures, 0);
  ASSERT_TRUE(runs[0].final_eval_loss.has_value());
  EXPECT_TRUE(same_bits(*runs[0].final_eval_loss, expected)) << *runs[0].final_eval_loss << " vs " << expected;
  EXPECT_NE(text.find("checkpoint at step 8 skipped, the disk is full"), std::string::npos) << text;
  EXPECT_NE(text.find("checkpoint at step 12 skipped, the disk is full"), std::string::npos) << text;
  EXPECT_EQ(temporaries(dir.path()), std::vector<std::string>{});
  EXPECT_EQ(unloadable_checkpoints(store, runs[0].id), std::vector<std::string>{});
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST(DiskFull, AfterEnospcThePreviousCheckpointStillLoadsAndResumesBitExact) {
  const double expected = uninterrupted_tiny_loss(kSteps, kEvery);
  TempDir dir;
  const std::string path = dir.file("s.db");
  submit(path, dir.file("out"), {to_submit(tiny_run(kSteps, kEvery), "tiny")});
  // Every checkpoint after the first fails; the process dies (SIGKILL) at its 6th metrics commit (step 24).
  const std::string full_log = dir.file("full.log");
  const int killed = run_worker(path, {}, {"LPS_FAULT_ENOSPC=ckpt.write:2-1000", "LPS_CRASH_AT=store.metrics.before_commit:6"},
                                full_log);
  ASSERT_TRUE(killed_by_sigkill(killed)) << describe_status(killed) << "\n" << read_file(full_log);
  {
    const auto store = store::Store::open(path);
    const auto rows = store.checkpoints(store.runs().at(0).id);
    ASSERT_EQ(rows.size(), 1u) << "only the checkpoint written before the disk filled is recorded";
    EXPECT_EQ(rows[0].step, kEvery);
    EXPECT_EQ(unloadable_checkpoints(store, rows[0].run_id), std::vector<std::string>{});
  }
  const std::string log = dir.file("resume.log");
  const int status = run_worker(path, {}, {}, log);
  ASSERT_TRUE(exited_ok(status)) << describe_status(status) << "\n" << read_file(log);
  EXPECT_EQ(resumed_steps(read_file(log)), std::vector<int64_t>{kEvery}) << read_file(log);
  const auto store = store::Store::open(path);
  const auto runs = store.runs();
  EXPECT_EQ(runs.at(0).state, store::RunState::kCompleted);
  ASSERT_TRUE(runs.at(0).final_eval_loss.has_value());
  EXPECT_TRUE(same_bits(*runs[0].final_eval_loss, expected)) << *runs[0].final_eval_loss << " vs " << expected;
  EXPECT_EQ(temporaries(dir.path()), std::vector<std::string>{});
}

TEST(DiskFull, AFullDiskWindowPausesTheRunWhichThenCompletesUnfailedWithEveryMetricAndACleanStore) {
  constexpr int64_t kLongSteps = 160;
  constexpr double kWindowS = 2.0;
  const double expected = uninterrupted_tiny_loss(kLongSteps, kEvery);
  TempDir dir;
  const std::string path = dir.file("s.db"), log = dir.file("worker.log"), flag = dir.file("disk-full");
  submit(path, dir.file("out"), {to_submit(tiny_run(kLongSteps, kEvery), "tiny")});
  const auto store = store::Store::open(path);
  const int64_t run_id = store.runs().at(0).id;
  Child worker({LPS_RELIABILITY_WORKER, "worker", path}, {"LPS_TEST_DISK_FULL_FLAG=" + flag}, log);
  // Let it make some progress, then fill the disk.
  const auto started = std::chrono::steady_clock::now();
  while (store.metrics(run_id).size() < 2) {
    ASSERT_FALSE(worker.done()) << "the worker ended before the disk filled\n" << read_file(log);
    ASSERT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(120)) << read_file(log);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::ofstream(flag).close();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a commit already past its writes may land
  const size_t rows_when_full = store.metrics(run_id).size();
  std::this_thread::sleep_for(std::chrono::duration<double>(kWindowS));
  EXPECT_FALSE(worker.done()) << "the worker ended while the disk was full (" << describe_status(worker.status())
                              << ")\n" << read_file(log);
  EXPECT_EQ(store.metrics(run_id).size(), rows_when_full) << "metrics were committed on a full disk";
  EXPECT_EQ(store.runs().at(0).state, store::RunState::kRunning);
  fs::remove(flag);
  ASSERT_TRUE(exited_ok(worker.wait())) << describe_status(worker.status()) << "\n" << read_file(log);

  const std::string text = read_file(log);
  EXPECT_NE(text.find("the disk is full"), std::string::npos) << text;
  EXPECT_EQ(store.integrity_check(), "ok");
  const auto run = store.runs().at(0);
  EXPECT_EQ(run.state, store::RunState::kCompleted) << run.error;
  EXPECT_EQ(run.attempts, 1);
  EXPECT_EQ(run.failures, 0);
  ASSERT_TRUE(run.final_eval_loss.has_value());
  EXPECT_TRUE(same_bits(*run.final_eval_loss, expected)) << *run.final_eval_loss << " vs " << expected;
  // No metrics row was lost: one per log interval, each once.
  std::set<int64_t> steps;
  for (const auto& m : store.metrics(run_id)) EXPECT_TRUE(steps.insert(m.step).second) << "step " << m.step << " twice";
  for (int64_t s = kEvery; s < kLongSteps; s += kEvery) EXPECT_TRUE(steps.contains(s)) << "metrics of step " << s << " lost";
  EXPECT_EQ(unloadable_checkpoints(store, run_id), std::vector<std::string>{});
  EXPECT_EQ(temporaries(dir.path()), std::vector<std::string>{});
}

// A real ENOSPC: the worker runs in its own user and mount namespace (`unshare -rm`) with the store and the
// checkpoints on a tmpfs sized to hold the store and two checkpoints but not a third. Skipped where
// unprivileged namespaces or tmpfs mounts are not allowed.
TEST(DiskFull, OnARealTmpfsThatFillsUpCheckpointsAreSkippedAndTheRunCompletesUnfailed) {
  TempDir dir;
  const auto probe = test::run_command(fmt::format("unshare -rm sh -c 'mount -t tmpfs -o size=64k tmpfs {}'",
                                                   dir.path().string()));
  if (probe.exit_code != 0) GTEST_SKIP() << "cannot mount a tmpfs in a user namespace here: " << probe.output;
  const double expected = uninterrupted_tiny_loss(kSteps, kEvery);
  // Calibrate: the size of one checkpoint and of the finished store, from a run on the ordinary disk.
  int64_t checkpoint_bytes = 0;
  {
    const std::string cal = dir.file("cal.db");
    submit(cal, dir.file("cal-out"), {to_submit(tiny_run(kSteps, kEvery), "tiny")});
    ASSERT_TRUE(exited_ok(run_worker(cal, {}, {}, dir.file("cal.log")))) << read_file(dir.file("cal.log"));
    const auto store = store::Store::open(cal);
    const auto rows = store.checkpoints(store.runs().at(0).id);
    ASSERT_FALSE(rows.empty());
    checkpoint_bytes = static_cast<int64_t>(fs::file_size(rows[0].path));
  }
  const std::string mount = dir.file("mnt"), prep = dir.file("prep"), after = dir.file("after");
  fs::create_directories(mount);
  fs::create_directories(after);
  submit(prep + "/s.db", mount + "/out", {to_submit(tiny_run(kSteps, kEvery), "tiny")});
  // The store (up to ~0.5 MB with its WAL) and two checkpoints fit; a third does not.
  const int64_t tmpfs_bytes = 2 * checkpoint_bytes + checkpoint_bytes / 2 + (512 << 10);
  const std::string script = fmt::format(
      "set -e; mount -t tmpfs -o size={size} tmpfs {m}; cp {prep}/s.db* {m}/; "
      "{worker} worker {m}/s.db --lease 5 > {log} 2>&1 || echo \"worker exit $?\" >> {log}; "
      "ls -la {m} > {after}/ls.txt; cp {m}/s.db {after}/; if [ -f {m}/s.db-wal ]; then cp {m}/s.db-wal {after}/; fi; find {m} -name '*.tmp' > {after}/temporaries.txt; df -k {m} > {after}/df.txt",
      fmt::arg("size", tmpfs_bytes), fmt::arg("m", mount), fmt::arg("prep", prep),
      fmt::arg("worker", LPS_RELIABILITY_WORKER), fmt::arg("log", dir.file("worker.log")), fmt::arg("after", after));
  const auto ran = test::run_command(fmt::format("unshare -rm sh -c \"{}\"", script));
  const std::string log = read_file(dir.file("worker.log"));
  ASSERT_EQ(ran.exit_code, 0) << ran.output << "\n" << log;
  EXPECT_EQ(log.find("worker exit"), std::string::npos) << log;
  EXPECT_NE(log.find("No space left on device"), std::string::npos) << "the tmpfs never filled up\n" << log;
  EXPECT_NE(log.find("skipped, the disk is full"), std::string::npos) << log;
  EXPECT_EQ(read_file(after + "/temporaries.txt"), "");
  // The worker's own summary: the run completed in this one attempt, nothing failed. (The store itself lives
  // on the tmpfs and is gone with the namespace; copying it out did not work reliably, so its rows are
  // checked by the injected-fault tests above.)
  EXPECT_NE(log.find("worker: 1 completed, 0 diverged, 0 failed"), std::string::npos) << log;
  EXPECT_NE(log.find("run tiny completed"), std::string::npos) << log;
  (void)expected;
  std::printf("[ figures ] tmpfs of %lld KiB, checkpoint %lld KiB: %s", static_cast<long long>(tmpfs_bytes >> 10),
              static_cast<long long>(checkpoint_bytes >> 10), read_file(after + "/df.txt").c_str());
}

}  // namespace
}  // namespace lps::reliability
