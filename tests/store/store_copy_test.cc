// copy_store (`lpsweep store migrate`): sweeps move with their whole history from a SQLite store to a
// SQLite or PostgreSQL store, verified; non-empty destinations, running runs and unknown sweeps are refused.
#include <lps/core/error.h>
#include <lps/store/store.h>
#include <lps/store/store_copy.h>

#include "store_test_support.h"

#include <gtest/gtest.h>

namespace lps::store {
namespace {

using test::make_runs;
using test::StoreDir;
using test::TempDir;

class Copy : public test::BackendTest {};

// Two sweeps with runs in every final state, attempts (one with info), metrics, checkpoints (one rejected),
// fits and benchmarks; nothing running.
void fill(Store& s) {
  (void)s.submit({"alpha", "/out/alpha", "alpha.yaml"}, make_runs(4, 2, 0));
  auto beta_runs = make_runs(6, 2, 0);
  beta_runs.erase(beta_runs.begin(), beta_runs.begin() + 4);  // keys 4 and 5
  (void)s.submit({"beta", "/out/beta", "beta.yaml"}, beta_runs);
  // alpha: run 1 completed with metrics and checkpoints, run 2 failed twice, run 3 diverged, run 4 queued.
  auto c = s.claim("w1", "alpha", R"({"slurm_job_id":"11"})");
  for (int step = 1; step <= 3; ++step) s.record_metrics(fence_of(*c), {step, step * 100, 4.0 - step, 3.5, 1e-3, 0.5, 1234.5});
  (void)s.record_checkpoint(fence_of(*c), {0, 0, 0, 2, "/ck/a2", "aa", 0}, 3);
  (void)s.record_checkpoint(fence_of(*c), {0, 0, 0, 3, "/ck/a3", "bb", 0}, 3);
  s.reject_checkpoint(fence_of(*c), s.checkpoints(c->run_id).at(0).id, "bad hash");
  AttemptReport done;
  done.final_eval_loss = 2.875;
  done.tokens_per_s = 99.5;
  done.steps = 3;
  s.finish(fence_of(*c), done);
  for (int i = 0; i < 2; ++i) {
    auto f = s.claim("w2", "alpha");
    AttemptReport failed;
    failed.outcome = AttemptOutcome::kFailed;
    failed.message = "CUDA error 'x'); DROP TABLE runs;--";
    s.finish(fence_of(*f), failed);
  }
  auto d = s.claim("w3", "alpha");
  AttemptReport diverged;
  diverged.outcome = AttemptOutcome::kDiverged;
  s.finish(fence_of(*d), diverged);
  (void)s.save_fit({0, "alpha", "quartet-law", R"({"A":1.5})", 0});
  (void)s.save_fit({0, "beta", "quartet-law", R"({"A":2.5})", 0});
  (void)s.save_benchmark({0, "gemm-fp8", "speedup", R"({"x":3})", 0});
}

void expect_same_history(const Store& a, const Store& b) {
  const auto ra = a.runs();
  const auto rb = b.runs();
  ASSERT_EQ(ra.size(), rb.size());
  for (size_t i = 0; i < ra.size(); ++i) {
    SCOPED_TRACE(ra[i].label);
    EXPECT_EQ(ra[i].key, rb[i].key);
    EXPECT_EQ(ra[i].sweep, rb[i].sweep);
    EXPECT_EQ(ra[i].state, rb[i].state);
    EXPECT_EQ(ra[i].attempts, rb[i].attempts);
    EXPECT_EQ(ra[i].failures, rb[i].failures);
    EXPECT_EQ(ra[i].final_eval_loss, rb[i].final_eval_loss);
    EXPECT_EQ(ra[i].tokens_per_s, rb[i].tokens_per_s);
    EXPECT_EQ(ra[i].error, rb[i].error);
    EXPECT_EQ(ra[i].created, rb[i].created);
    EXPECT_EQ(ra[i].finished, rb[i].finished);
    const auto aa = a.attempts(ra[i].id);
    const auto ab = b.attempts(rb[i].id);
    ASSERT_EQ(aa.size(), ab.size());
    for (size_t j = 0; j < aa.size(); ++j) {
      EXPECT_EQ(aa[j].worker, ab[j].worker);
      EXPECT_EQ(aa[j].outcome, ab[j].outcome);
      EXPECT_EQ(aa[j].message, ab[j].message);
      EXPECT_EQ(aa[j].info, ab[j].info);
      EXPECT_EQ(aa[j].started, ab[j].started);
      EXPECT_EQ(aa[j].ended, ab[j].ended);
    }
    const auto ma = a.metrics(ra[i].id);
    const auto mb = b.metrics(rb[i].id);
    ASSERT_EQ(ma.size(), mb.size());
    for (size_t j = 0; j < ma.size(); ++j) {
      EXPECT_EQ(ma[j].step, mb[j].step);
      EXPECT_EQ(ma[j].train_loss, mb[j].train_loss);
      EXPECT_EQ(ma[j].eval_loss, mb[j].eval_loss);
      EXPECT_EQ(ma[j].tokens_per_s, mb[j].tokens_per_s);
    }
    const auto ca = a.checkpoints(ra[i].id);
    const auto cb = b.checkpoints(rb[i].id);
    ASSERT_EQ(ca.size(), cb.size());
    for (size_t j = 0; j < ca.size(); ++j) {
      EXPECT_EQ(ca[j].path, cb[j].path);
      EXPECT_EQ(ca[j].sha256, cb[j].sha256);
      EXPECT_EQ(ca[j].step, cb[j].step);
    }
  }
  const auto fa = a.fits();
  const auto fb = b.fits();
  ASSERT_EQ(fa.size(), fb.size());
  for (size_t i = 0; i < fa.size(); ++i) {
    EXPECT_EQ(fa[i].payload_json, fb[i].payload_json);
    EXPECT_EQ(fa[i].created, fb[i].created);
  }
  EXPECT_EQ(a.benchmarks().size(), b.benchmarks().size());
}

TEST_P(Copy, MovesEverySweepWithItsWholeHistoryAndVerifiesTheCounts) {
  TempDir src_dir;
  StoreDir dst_dir(GetParam());
  auto src = Store::open(src_dir.file("src.db"));
  fill(src);
  auto dst = Store::open(dst_dir.file("dst.db"));
  const auto report = copy_store(src, dst);
  EXPECT_EQ(report.sweeps, (std::vector<std::string>{"alpha", "beta"}));
  EXPECT_EQ(report.copied, count_rows(src));
  EXPECT_EQ(count_rows(dst), count_rows(src));
  EXPECT_EQ(report.copied.checkpoints, 2);  // the rejected one too
  EXPECT_EQ(report.copied.metrics, 3);
  EXPECT_EQ(report.runs_skipped, 0);
  expect_same_history(src, dst);
  EXPECT_EQ(dst.integrity_check(), "ok");
  // The copy is a working queue: the queued runs are claimable there, the finished ones are not.
  std::set<std::string> claimed;
  while (auto c = dst.claim("w-new")) claimed.insert(c->key);
  EXPECT_EQ(claimed, (std::set<std::string>{test::make_run(3).key, test::make_run(4).key, test::make_run(5).key}));
}

TEST_P(Copy, ANonEmptyDestinationIsRefusedUnlessAskedAndKnownRunsAreSkipped) {
  TempDir src_dir;
  StoreDir dst_dir(GetParam());
  auto src = Store::open(src_dir.file("src.db"));
  fill(src);
  auto dst = Store::open(dst_dir.file("dst.db"));
  (void)dst.submit({"alpha", "/elsewhere", ""}, make_runs(1));  // the key of alpha's first run
  const auto before = count_rows(dst);
  try {
    (void)copy_store(src, dst);
    FAIL() << "a non-empty destination was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUserInput);
    EXPECT_NE(std::string(e.what()).find("is not empty (sweeps 1, runs 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--into-non-empty"), std::string::npos) << e.what();
  }
  EXPECT_EQ(count_rows(dst), before);
  CopyOptions into;
  into.into_non_empty = true;
  const auto report = copy_store(src, dst, into);
  EXPECT_EQ(report.runs_skipped, 1);
  EXPECT_EQ(report.copied.sweeps, 1);  // alpha merged by name, beta new
  EXPECT_EQ(report.copied.runs, 5);
  EXPECT_EQ(report.copied.metrics, 0);  // they belonged to the skipped run
  EXPECT_EQ(dst.runs().size(), 6u);
}

TEST_P(Copy, RunningRunsAreRefusedUnlessIncludedAndOneSweepCanBeChosen) {
  TempDir src_dir;
  StoreDir dst_dir(GetParam());
  auto src = Store::open(src_dir.file("src.db"));
  fill(src);
  const auto running = src.claim("busy", "beta");
  ASSERT_TRUE(running);
  auto dst = Store::open(dst_dir.file("dst.db"));
  CopyOptions beta;
  beta.sweeps = {"beta"};
  try {
    (void)copy_store(src, dst, beta);
    FAIL() << "a running run was copied without --include-running";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("1 run is running"), std::string::npos) << e.what();
  }
  EXPECT_EQ(count_rows(dst), TableCounts{});
  beta.include_running = true;
  const auto report = copy_store(src, dst, beta);
  EXPECT_EQ(report.sweeps, (std::vector<std::string>{"beta"}));
  EXPECT_EQ(report.running, 1);
  EXPECT_EQ(report.copied.runs, 2);
  EXPECT_EQ(report.copied.fits, 1);        // beta's fit only
  EXPECT_EQ(report.copied.benchmarks, 0);  // not named after beta
  EXPECT_EQ(dst.count_states()[RunState::kRunning], 1);

  CopyOptions unknown;
  unknown.sweeps = {"gamma"};
  try {
    (void)copy_store(src, dst, unknown);
    FAIL() << "an unknown sweep was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no sweep 'gamma'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("alpha, beta"), std::string::npos) << e.what();
  }
}

LPS_ON_BOTH_BACKENDS(Copy);

TEST(CopySame, TheSameStoreAsSourceAndDestinationIsRefused) {
  TempDir dir;
  auto a = Store::open(dir.file("s.db"));
  auto b = Store::open(dir.file("s.db"));
  EXPECT_THROW((void)copy_store(a, b), Error);
}

}  // namespace
}  // namespace lps::store
