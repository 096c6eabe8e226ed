// Named crash points (LPS_CRASH_AT) inside the checkpoint protocol, the claim, the result commit, the metrics
// commit and schema migration: each point is hit 3 times (on its 1st, 2nd and 3rd hit in successive worker
// processes), then a clean worker finishes. Afterwards: no run lost, none owned or recorded twice, no progress
// lost beyond one checkpoint interval, every committed checkpoint loads, no orphaned temporary files, and a
// migration is either fully applied or not at all. docs/RELIABILITY.md §1.
#include "reliability_test_support.h"

#include "schema.h"
#include "sqlite_db.h"

#include <lps/store/store.h>

#include <sqlite3.h>

#include <cmath>
#include <cstring>
#include <set>

namespace lps::reliability {
namespace {

constexpr int kCrashes = 3;            // each point fires on hit 1, then 2, then 3 of successive processes
constexpr int64_t kSteps = 40;         // training steps of the tiny run
constexpr int64_t kEvery = 4;          // checkpoint and log interval

int64_t max_metric_step(const store::Store& store, int64_t run_id) {
  int64_t best = 0;
  for (const auto& m : store.metrics(run_id)) best = std::max(best, m.step);
  return best;
}

double uninterrupted_loss() { return uninterrupted_tiny_loss(kSteps, kEvery); }

// "ckpt.tmp_written" → "ckpt_tmp_written" (gtest names allow no dots).
std::string point_test_name(const ::testing::TestParamInfo<std::string>& point) {
  std::string name = point.param;
  for (char& c : name) c = c == '.' ? '_' : c;
  return name;
}

// ---- checkpoint protocol (the LibTorch trainer in the worker) --------------------------------------------

class CheckpointCrash : public ::testing::TestWithParam<std::string> {};

TEST_P(CheckpointCrash, ThreeCrashesThenARestartLoseAtMostOneIntervalAndLeaveEveryCheckpointLoadable) {
  const std::string point = GetParam();
  const double expected_loss = uninterrupted_loss();
  ASSERT_FALSE(std::isnan(expected_loss));
  TempDir dir;
  const std::string path = dir.file("s.db");
  submit(path, dir.file("out"), {to_submit(tiny_run(kSteps, kEvery), "tiny")});

  std::vector<int64_t> progress_at_crash;  // the furthest step with recorded metrics when crash k happened
  std::vector<std::string> logs;
  for (int k = 1; k <= kCrashes; ++k) {
    logs.push_back(dir.file(fmt::format("worker-{}.log", k)));
    const int status = run_worker(path, {}, {fmt::format("LPS_CRASH_AT={}:{}", point, k)}, logs.back());
    ASSERT_TRUE(killed_by_sigkill(status)) << point << ":" << k << " did not fire (" << describe_status(status) << ")\n"
                                           << read_file(logs.back());
    const auto store = store::Store::open(path);
    const auto runs = store.runs();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(unloadable_checkpoints(store, runs[0].id), std::vector<std::string>{}) << "after crash " << k;
    progress_at_crash.push_back(max_metric_step(store, runs[0].id));
  }
  logs.push_back(dir.file("worker-final.log"));
  const int status = run_worker(path, {}, {}, logs.back());
  ASSERT_TRUE(exited_ok(status)) << describe_status(status) << "\n" << read_file(logs.back());

  const auto store = store::Store::open(path);
  const auto runs = store.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].state, store::RunState::kCompleted);
  ASSERT_TRUE(runs[0].final_eval_loss.has_value());
  EXPECT_EQ(std::memcmp(&*runs[0].final_eval_loss, &expected_loss, sizeof(double)), 0)
      << "final loss " << *runs[0].final_eval_loss << " differs from the uninterrupted " << expected_loss;
  EXPECT_EQ(runs[0].attempts, kCrashes + 1);
  EXPECT_EQ(temporaries(dir.path()), std::vector<std::string>{}) << "orphaned temporary files";
  EXPECT_EQ(unloadable_checkpoints(store, runs[0].id), std::vector<std::string>{});
  for (int k = 1; k <= kCrashes; ++k) {
    const std::string log = read_file(logs[static_cast<size_t>(k)]);
    const auto resumed = resumed_steps(log);
    const int64_t from = resumed.empty() ? 0 : resumed.front();
    EXPECT_LE(progress_at_crash[static_cast<size_t>(k - 1)] - from, kEvery)
        << "crash " << k << " at step " << progress_at_crash[static_cast<size_t>(k - 1)] << ", resumed from " << from;
    EXPECT_EQ(log.find("checkpoint rejected"), std::string::npos) << "a committed checkpoint did not load:\n" << log;
  }
}

INSTANTIATE_TEST_SUITE_P(Points, CheckpointCrash,
                         ::testing::Values("ckpt.tmp_written", "ckpt.renamed", "ckpt.recorded", "ckpt.pruned"),
                         point_test_name);

// ---- claim, result and metrics commits (the test-double executor: milliseconds per run) ------------------

constexpr int kDoubleRuns = 6;

double double_loss(const std::string& key) {
  return 2.0 + static_cast<double>(std::strtoul(key.substr(0, 8).c_str(), nullptr, 16)) / 4294967296.0;
}

class StoreCrash : public ::testing::TestWithParam<std::string> {};

TEST_P(StoreCrash, ThreeCrashesThenARestartCompleteEveryRunExactlyOnce) {
  const std::string point = GetParam();
  TempDir dir;
  const std::string path = dir.file("s.db");
  std::vector<store::RunToSubmit> runs;
  for (int i = 0; i < kDoubleRuns; ++i) {
    auto r = to_submit(tiny_run(8, 1, static_cast<uint64_t>(100 + i)), fmt::format("double-{}", i));
    runs.push_back(r);
  }
  submit(path, dir.file("out"), runs);
  const std::vector<std::string> double_args = {"--double", "3"};
  for (int k = 1; k <= kCrashes; ++k) {
    const std::string log = dir.file(fmt::format("worker-{}.log", k));
    const int status = run_worker(path, double_args, {fmt::format("LPS_CRASH_AT={}:{}", point, k)}, log);
    ASSERT_TRUE(killed_by_sigkill(status)) << point << ":" << k << " did not fire (" << describe_status(status) << ")\n"
                                           << read_file(log);
    EXPECT_EQ(store::Store::open(path).integrity_check(), "ok") << "after crash " << k;
  }
  const std::string log = dir.file("worker-final.log");
  const int status = run_worker(path, double_args, {}, log);
  ASSERT_TRUE(exited_ok(status)) << describe_status(status) << "\n" << read_file(log);

  const auto store = store::Store::open(path);
  EXPECT_EQ(store.integrity_check(), "ok");
  const auto rows = store.runs();
  ASSERT_EQ(rows.size(), static_cast<size_t>(kDoubleRuns));
  for (const auto& run : rows) {
    EXPECT_EQ(run.state, store::RunState::kCompleted) << run.label;
    ASSERT_TRUE(run.final_eval_loss.has_value()) << run.label;
    EXPECT_EQ(*run.final_eval_loss, double_loss(run.key)) << run.label;
    int completed = 0;
    double previous_end = 0;
    for (const auto& a : store.attempts(run.id)) {
      completed += a.outcome == store::AttemptOutcome::kCompleted ? 1 : 0;
      EXPECT_GE(a.started, previous_end) << run.label << ": attempt " << a.attempt << " overlaps the one before";
      previous_end = a.ended.value_or(a.lease_expires);
    }
    EXPECT_EQ(completed, 1) << run.label << ": results recorded";
    EXPECT_EQ(unloadable_checkpoints(store, run.id), std::vector<std::string>{}) << run.label;
  }
  EXPECT_EQ(temporaries(dir.path()), std::vector<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(Points, StoreCrash,
                         ::testing::Values("store.claim.before_commit", "store.claim.after_commit",
                                           "store.finish.before_commit", "store.finish.after_commit",
                                           "store.metrics.before_commit"),
                         point_test_name);

// ---- schema migration ----------------------------------------------------------------------------------

// Every table's and index's SQL plus the version: equal fingerprints = the same schema.
std::string schema_fingerprint(const std::string& path) {
  store::detail::Db db(path, SQLITE_OPEN_READONLY, {});
  std::string out;
  auto st = db.prepare("SELECT type, name, ifnull(sql, '') FROM sqlite_master ORDER BY type, name");
  while (st.step()) out += st.get_text(0) + " " + st.get_text(1) + ": " + st.get_text(2) + "\n";
  auto v = db.prepare("SELECT version FROM schema_version");
  if (v.step()) out += fmt::format("version {}\n", v.get_int(0));
  return out;
}

void build_store_at(const std::string& path, int version) {
  std::ofstream(path).close();
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  store::detail::Db db(path, SQLITE_OPEN_READWRITE, {});
  db.exec("PRAGMA journal_mode=WAL", "wal");
  ASSERT_EQ(store::detail::migrate(db, version), version);
  db.exec("INSERT INTO sweeps (name, output_dir, created, updated) VALUES ('old', '/o', 1, 1)", "t");
  db.exec("INSERT INTO runs (sweep_id, key, label, n_params, tokens, scheme, spec_json, state, max_attempts, "
          "backoff_s, created) VALUES (1, 'k1', 'l1', 10, 20, 'bf16', '{}', 'completed', 3, 1, 1)", "t");
}

TEST(MigrationCrash, ACrashInsideAMigrationLeavesTheSchemaFullyOldAndTheNextOpenMakesItFullyNew) {
  TempDir dir;
  const std::string fresh = dir.file("fresh.db");
  { (void)store::Store::open(fresh); }
  const std::string newest = schema_fingerprint(fresh);
  std::set<int> versions = {1, store::kSchemaVersion - 1};
  for (const int version : versions) {
    if (version < 1) continue;
    SCOPED_TRACE(fmt::format("store at schema version {}", version));
    const std::string path = dir.file(fmt::format("v{}.db", version));
    build_store_at(path, version);
    const std::string old = schema_fingerprint(path);
    for (int k = 1; k <= kCrashes; ++k) {
      const std::string log = dir.file(fmt::format("open-v{}-{}.log", version, k));
      Child child({LPS_RELIABILITY_WORKER, "open", path}, {"LPS_CRASH_AT=store.migrate.before_commit"}, log);
      const int status = child.wait();
      ASSERT_TRUE(killed_by_sigkill(status)) << "the migration crash point did not fire (" << describe_status(status)
                                             << ")\n" << read_file(log);
      EXPECT_EQ(schema_fingerprint(path), old) << "crash " << k << " left a partly migrated schema";
    }
    const std::string log = dir.file(fmt::format("open-v{}.log", version));
    Child child({LPS_RELIABILITY_WORKER, "open", path}, {}, log);
    ASSERT_TRUE(exited_ok(child.wait())) << read_file(log);
    const std::string migrated = schema_fingerprint(path);
    EXPECT_EQ(migrated.substr(0, migrated.find("version")), newest.substr(0, newest.find("version")));
    const auto store = store::Store::open(path);
    EXPECT_EQ(store.schema_version(), store::kSchemaVersion);
    EXPECT_EQ(store.integrity_check(), "ok");
    ASSERT_EQ(store.runs().size(), 1u);
    EXPECT_EQ(store.runs()[0].key, "k1");
  }
}

}  // namespace
}  // namespace lps::reliability
