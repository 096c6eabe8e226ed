// Schema 3: the free-form `info` JSON that claim() stores on the attempt (e.g. SLURM job and array ids), and
// the migration of a version-2 store that already has attempts.
#include <lps/store/store.h>

#include "schema.h"
#include "sqlite_db.h"
#include "store_test_support.h"

#include <gtest/gtest.h>

#include <fstream>

namespace lps::store {
namespace {

using test::TempDir;

class AttemptInfoOnBoth : public test::BackendTest {};

TEST_P(AttemptInfoOnBoth, ClaimStoresTheInfoOnTheAttemptAndNullWhenEmpty) {
  test::StoreDir dir(GetParam());
  auto store = Store::open(dir.file("s.db"));
  (void)store.submit(test::make_sweep(), test::make_runs(2));
  const std::string info = R"({"slurm_job_id":"4242","slurm_array_task_id":"7"})";
  const auto first = store.claim("w1", "", info);
  const auto second = store.claim("w2");
  ASSERT_TRUE(first && second);
  const auto a1 = store.attempts(first->run_id);
  ASSERT_EQ(a1.size(), 1u);
  ASSERT_TRUE(a1[0].info.has_value());
  EXPECT_EQ(*a1[0].info, info);
  const auto a2 = store.attempts(second->run_id);
  ASSERT_EQ(a2.size(), 1u);
  EXPECT_FALSE(a2[0].info.has_value());
}

TEST(AttemptInfo, MigratesAVersion2StoreKeepingItsAttempts) {
  TempDir dir;
  const auto path = dir.file("v2.db");
  {
    std::ofstream(path).close();
    detail::Db db(path, SQLITE_OPEN_READWRITE, {});
    ASSERT_EQ(detail::migrate(db, 2), 2);
    db.exec("INSERT INTO sweeps (name, output_dir, created, updated) VALUES ('old', '/o', 1, 1)", "t");
    db.exec("INSERT INTO runs (sweep_id, key, label, n_params, tokens, scheme, spec_json, state, attempts, "
            "max_attempts, backoff_s, created) VALUES (1, 'k1', 'l1', 10, 20, 'bf16', '{}', 'completed', 1, 3, 1, 1)",
            "t");
    db.exec("INSERT INTO attempts (run_id, attempt, worker, started, heartbeat, lease_expires, ended, outcome) "
            "VALUES (1, 1, 'w', 1, 1, 2, 3, 'completed')", "t");
  }
  auto store = Store::open(path);
  EXPECT_EQ(store.schema_version(), 3);
  const auto attempts = store.attempts(1);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].worker, "w");
  EXPECT_EQ(attempts[0].outcome, AttemptOutcome::kCompleted);
  EXPECT_FALSE(attempts[0].info.has_value());
}

LPS_ON_BOTH_BACKENDS(AttemptInfoOnBoth);

}  // namespace
}  // namespace lps::store
