#include "schema.h"

#include <lps/core/crash_point.h>
#include <lps/core/error.h>
#include <lps/store/store.h>

#include <fmt/format.h>

#include <string>

namespace lps::store::detail {
namespace {

// Migration n takes the schema from version n-1 to n. Append only: never edit a released migration.
constexpr const char* kMigrations[] = {
    // 1: the queue — sweeps, runs, attempts.
    R"sql(
CREATE TABLE sweeps (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  output_dir TEXT NOT NULL,
  source_file TEXT NOT NULL DEFAULT '',
  created REAL NOT NULL,
  updated REAL NOT NULL
);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
  key TEXT NOT NULL UNIQUE,
  label TEXT NOT NULL,
  n_params INTEGER NOT NULL,
  tokens INTEGER NOT NULL,
  scheme TEXT NOT NULL,
  spec_json TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued','running','completed','failed','diverged','cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  backoff_s REAL NOT NULL,
  not_before REAL NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_expires REAL,
  final_eval_loss REAL,
  tokens_per_s REAL,
  wall_s REAL,
  steps INTEGER,
  error TEXT NOT NULL DEFAULT '',
  created REAL NOT NULL,
  finished REAL
);
CREATE INDEX runs_by_state ON runs(state, not_before);
CREATE INDEX runs_by_sweep ON runs(sweep_id, state);
CREATE TABLE attempts (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  attempt INTEGER NOT NULL,
  worker TEXT NOT NULL,
  started REAL NOT NULL,
  heartbeat REAL NOT NULL,
  lease_expires REAL NOT NULL,
  ended REAL,
  outcome TEXT CHECK (outcome IN ('completed','diverged','failed','stopped','lease_expired','cancelled')),
  message TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, attempt)
);
)sql",
    // 2: results — metrics, checkpoints, fits, benchmark results.
    R"sql(
CREATE TABLE metrics (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  attempt INTEGER NOT NULL,
  step INTEGER NOT NULL,
  tokens INTEGER NOT NULL,
  train_loss REAL,
  eval_loss REAL,
  lr REAL,
  grad_norm REAL,
  tokens_per_s REAL,
  time REAL NOT NULL
);
CREATE INDEX metrics_by_run ON metrics(run_id, id);
CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  attempt INTEGER NOT NULL,
  step INTEGER NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  created REAL NOT NULL,
  rejected TEXT
);
CREATE INDEX checkpoints_by_run ON checkpoints(run_id, step);
CREATE TABLE fits (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  created REAL NOT NULL
);
CREATE TABLE benchmarks (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  created REAL NOT NULL
);
)sql",
    // 3: free-form JSON about the attempt's worker (e.g. SLURM job and array ids), given to claim().
    R"sql(
ALTER TABLE attempts ADD COLUMN info TEXT;
)sql",
};
constexpr int kMigrationCount = static_cast<int>(sizeof(kMigrations) / sizeof(kMigrations[0]));
static_assert(kMigrationCount == kSchemaVersion, "kSchemaVersion must equal the number of migrations");

bool table_exists(Db& db, const char* name) {
  auto st = db.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?1");
  st.bind(1, name);
  return st.step();
}

}  // namespace

int read_schema_version(Db& db) {
  if (!table_exists(db, "schema_version")) {
    auto st = db.prepare("SELECT count(*) FROM sqlite_master");
    const bool has_row = st.step();
    if (has_row && st.get_int(0) > 0) {
      throw IoError(fmt::format(
          "store {}: this SQLite database is not an lpsweep store (it has tables but no schema_version); "
          "point --store at a new file or an existing lpsweep store",
          db.path()));
    }
    return 0;
  }
  auto st = db.prepare("SELECT version FROM schema_version");
  if (!st.step()) return 0;
  return static_cast<int>(st.get_int(0));
}

int migrate(Db& db, int target) {
  LPS_CHECK(target >= 0 && target <= kSchemaVersion, "target schema {} outside 0..{}", target, kSchemaVersion);
  int version = 0;
  db.write_txn([&] {
    version = read_schema_version(db);
    if (version > kSchemaVersion) {
      throw IoError(fmt::format(
          "store {}: schema version {} is newer than this lpsweep understands (up to {}); it was written by a "
          "newer lpsweep — upgrade lpsweep, or use another store file. The file was not changed.",
          db.path(), version, kSchemaVersion));
    }
    if (version == 0 && !table_exists(db, "schema_version")) {
      db.exec("CREATE TABLE schema_version (version INTEGER NOT NULL)", "creating schema_version");
      db.exec("INSERT INTO schema_version (version) VALUES (0)", "initialising schema_version");
    }
    const int before = version;
    while (version < target) {
      db.exec(kMigrations[version], fmt::format("migrating the schema from version {} to {}", version, version + 1));
      ++version;
    }
    auto st = db.prepare("UPDATE schema_version SET version = ?1");
    st.bind(1, version).run();
    if (version != before) LPS_CRASH_POINT("store.migrate.before_commit");
  });
  return version;
}

}  // namespace lps::store::detail
