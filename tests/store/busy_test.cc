// SQLITE_BUSY never reaches a caller: many connections writing at once, with SQLite's own wait disabled,
// so every conflict goes through the store's retry with backoff.
#include <lps/core/clock.h>
#include <lps/store/store.h>

#include "store_test_support.h"

#include <gtest/gtest.h>

#include <cstdio>

#include <atomic>
#include <thread>

namespace lps::store {
namespace {

class Busy : public test::BackendTest {};

TEST_P(Busy, ContendedWritesFromManyConnectionsNeverSurfaceSqliteBusy) {
  test::StoreDir dir(GetParam());
  const auto path = dir.file("s.db");
  StoreOptions options;
  options.busy_timeout_ms = 0;  // no waiting inside SQLite: every conflict is ours to retry
  constexpr int kThreads = 8;
  constexpr int kRuns = 400;
  {
    auto store = Store::open(path, options);
    (void)store.submit(test::make_sweep(), test::make_runs(kRuns));
  }
  std::atomic<int> errors{0};
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  std::vector<std::vector<int64_t>> claimed(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        auto store = Store::open(path, options);
        while (auto c = store.claim(fmt::format("w{}", t))) {
          claimed[t].push_back(c->run_id);
          store.record_metrics(fence_of(*c), {1, 1, 1.0, std::nullopt, 0, 0, 0});
          AttemptReport r;
          r.final_eval_loss = 1.0;
          store.finish(fence_of(*c), r);
          ++done;
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(done.load(), kRuns);
  std::set<int64_t> unique;
  for (const auto& v : claimed) unique.insert(v.begin(), v.end());
  EXPECT_EQ(unique.size(), static_cast<size_t>(kRuns)) << "a run was claimed twice";
  auto store = Store::open(path);
  EXPECT_EQ(store.count_states()[RunState::kCompleted], kRuns);
  EXPECT_EQ(store.integrity_check(), "ok");
}

// Figures for docs/postgresql.md: one connection claiming and finishing runs back to back.
TEST_P(Busy, OneConnectionClaimsAndFinishesTwoThousandRunsInOrder) {
  test::StoreDir dir(GetParam());
  constexpr int kRuns = 2000;
  auto store = Store::open(dir.file("s.db"));
  (void)store.submit(test::make_sweep(), test::make_runs(kRuns));
  const Stopwatch clock;
  int64_t last = 0;
  int n = 0;
  while (auto c = store.claim("w")) {
    EXPECT_GT(c->run_id, last) << "claims must go oldest first";
    last = c->run_id;
    AttemptReport r;
    r.final_eval_loss = 1.0;
    store.finish(fence_of(*c), r);
    ++n;
  }
  const double s = clock.seconds();
  EXPECT_EQ(n, kRuns);
  EXPECT_EQ(store.count_states()[RunState::kCompleted], kRuns);
  std::printf("[ figures  ] %s, one connection: %d claim+finish in %.2f s = %.0f runs/s\n",
              GetParam() == test::Backend::kSqlite ? "SQLite" : "PostgreSQL", kRuns, s, kRuns / s);
}

LPS_ON_BOTH_BACKENDS(Busy);

}  // namespace
}  // namespace lps::store
