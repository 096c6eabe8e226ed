// Through the lpsweep binary: a NaN injected into one run of a 4-run sweep (docs/RELIABILITY.md §5), and
// the store under 8 metric writers + a `status --watch` reader + a second sweep being submitted (§6).
#include "reliability_test_support.h"

#include <test_support.h>

#include <algorithm>
#include <numeric>
#include <set>

namespace lps::reliability {
namespace {

// ---- §5: NaN in one run of a 4-run sweep ----------------------------------------------------------------

constexpr int64_t kNanStep = 43;   // the step that computes with NaN weights
constexpr int64_t kLogEvery = 10;  // log interval of the sweep below
constexpr int64_t kCheckpointEvery = 20;

std::string nan_sweep_yaml(const std::string& name, const std::string& store, const std::string& out) {
  return fmt::format(R"(name: {}
store: {}
output: {}
data: {{kind: synthetic, vocab: 64, seed: 0, synthetic_order: 2}}
models: [tiny-xs, tiny-s]
tokens: [32K, 64K]
schemes: [bf16]
seeds: [0]
train: {{lr: paper, batch_seqs: 8}}
eval: {{every_steps: 0, tokens: 4K}}
checkpoint: {{every_steps: {}, keep: 2}}
retry: {{max_attempts: 3, backoff_s: 0}}
log_every_steps: {}
fit:
  form: chinchilla
  baseline: bf16
  bootstrap: 0
  fixed: {{alpha: 0.3, beta: 0.3}}
  start_grid: {{a: [2, 6], b: [2, 6], e: [0.5, 1.5]}}
)",
                     name, store, out, kCheckpointEvery, kLogEvery);
}

TEST(NanInjection, TheNaNRunEndsDivergedWithinOneLogIntervalUnretriedWithoutLaterCheckpointsAndTheFitSaysItExcludedIt) {
  TempDir dir;
  const std::string store_path = dir.file("nan.db"), sweep = dir.file("nan.yaml"), out = dir.file("out");
  std::ofstream(sweep) << nan_sweep_yaml("nan", store_path, out);
  const auto submitted = test::run_command(fmt::format("'{}' submit '{}'", LPS_CLI_PATH, sweep));
  ASSERT_EQ(submitted.exit_code, 0) << submitted.output;
  std::string victim;
  {
    const auto store = store::Store::open(store_path);
    const auto runs = store.runs();
    ASSERT_EQ(runs.size(), 4u);
    for (const auto& r : runs) {
      if (r.label.rfind("tiny-s_", 0) == 0 && r.tokens > 40000) victim = r.label;
    }
  }
  ASSERT_FALSE(victim.empty());
  const auto run = test::run_command(fmt::format("LPS_PYTHON=/bin/false LPS_INJECT_NAN='{}:{}' '{}' run '{}'", victim, kNanStep, LPS_CLI_PATH, sweep));
  EXPECT_EQ(run.exit_code, 0) << run.output;  // (plots are skipped: LPS_PYTHON=/bin/false, a warning)

  const auto store = store::Store::open(store_path);
  int completed = 0;
  for (const auto& r : store.runs()) {
    if (r.label != victim) {
      EXPECT_EQ(r.state, store::RunState::kCompleted) << r.label << ": " << r.error;
      completed += r.state == store::RunState::kCompleted ? 1 : 0;
      continue;
    }
    EXPECT_EQ(r.state, store::RunState::kDiverged);
    EXPECT_EQ(r.attempts, 1) << "a diverged run was retried";
    EXPECT_NE(r.error.find(fmt::format("diverged at step {}", kNanStep)), std::string::npos) << r.error;
    ASSERT_TRUE(r.steps.has_value());
    EXPECT_GE(*r.steps, kNanStep);
    EXPECT_LT(*r.steps, kNanStep + kLogEvery) << "divergence noticed later than one log interval";
    for (const auto& c : store.checkpoints(r.id)) EXPECT_LT(c.step, kNanStep) << "checkpoint after the NaN: " << c.path;
    for (const auto& m : store.metrics(r.id)) {
      EXPECT_LT(m.step, kNanStep) << "metrics after the NaN";
      EXPECT_TRUE(std::isfinite(m.train_loss)) << "step " << m.step;
    }
    // Nothing on disk either: the run's folder holds only checkpoints from before the NaN.
    for (const auto& entry : fs::directory_iterator(fs::path(out) / "checkpoints" / r.key)) {
      const std::string name = entry.path().filename().string();
      EXPECT_LT(std::stoll(name.substr(5)), kNanStep) << name;
    }
  }
  EXPECT_EQ(completed, 3);
  // The fit used the other three and says which run it left out, in the log and in the report.
  EXPECT_NE(run.output.find("the fit excludes 1 run(s)"), std::string::npos) << run.output;
  const std::string report = read_file(out + "/fit_report.txt");
  EXPECT_NE(report.find("excluded from the fit: 1 run(s)"), std::string::npos) << report;
  EXPECT_NE(report.find(victim + " (diverged"), std::string::npos) << report;
}

// ---- §6: contention -------------------------------------------------------------------------------------

constexpr int kWriters = 8;

double seconds_of_contention() { return extended_tests() ? 300.0 : 60.0; }

std::string submit_yaml(const std::string& name, const std::string& store, const std::string& out) {
  return fmt::format(R"(name: {}
store: {}
output: {}
data: {{kind: synthetic, vocab: 64}}
models: [tiny-xs]
tokens: [32K, 64K]
schemes: [bf16, fp8]
seeds: [0, 1]
)",
                     name, store, out);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

TEST(StoreContention, EightMetricWritersAWatchingReaderAndRepeatedSubmitsNeverSurfaceBusy) {
  TempDir dir;
  const std::string store_path = dir.file("busy.db");
  {
    std::vector<store::RunToSubmit> runs;
    for (int i = 0; i < kWriters; ++i) runs.push_back(to_submit(tiny_run(8, 1, 500 + i), fmt::format("writer-{}", i)));
    submit(store_path, dir.file("out"), runs);
  }
  const double seconds = seconds_of_contention();
  std::vector<std::unique_ptr<Child>> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.push_back(std::make_unique<Child>(
        std::vector<std::string>{LPS_RELIABILITY_WORKER, "metrics", store_path, fmt::format("{}", seconds),
                                 dir.file(fmt::format("lat-{}.txt", i))},
        std::vector<std::string>{}, dir.file(fmt::format("writer-{}.log", i))));
  }
  Child watcher({LPS_CLI_PATH, "status", "--store", store_path, "--watch", "--interval", "0.2"}, {},
                dir.file("watch.log"));
  // The second sweep: submitted again and again (a new name each time, so every submit writes), until the
  // writers are done.
  int submits = 0;
  std::vector<double> submit_s;
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < std::chrono::duration<double>(seconds)) {
    const std::string file = dir.file(fmt::format("second-{}.yaml", submits));
    std::ofstream(file) << submit_yaml(fmt::format("second-{}", submits), store_path, dir.file("out2"));
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = test::run_command(fmt::format("'{}' submit '{}'", LPS_CLI_PATH, file));
    submit_s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output.find("BUSY"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("locked"), std::string::npos) << r.output;
    ++submits;
  }
  std::vector<double> latencies_us;
  int64_t rows = 0;
  for (int i = 0; i < kWriters; ++i) {
    const int status = writers[static_cast<size_t>(i)]->wait();
    const std::string log = read_file(dir.file(fmt::format("writer-{}.log", i)));
    EXPECT_TRUE(exited_ok(status)) << "writer " << i << ": " << describe_status(status) << "\n" << log;
    EXPECT_EQ(log.find("BUSY"), std::string::npos) << log;
    std::ifstream in(dir.file(fmt::format("lat-{}.txt", i)));
    for (double us; in >> us;) latencies_us.push_back(us);
  }
  rows = static_cast<int64_t>(latencies_us.size());
  ::kill(watcher.pid(), SIGINT);
  const int watch_status = watcher.wait();
  const std::string watch_log = read_file(dir.file("watch.log"));
  EXPECT_TRUE(exited_ok(watch_status)) << describe_status(watch_status) << "\n" << watch_log.substr(0, 2000);
  EXPECT_EQ(watch_log.find("BUSY"), std::string::npos);
  EXPECT_EQ(watch_log.find("locked"), std::string::npos);
  EXPECT_NE(watch_log.find("writer-"), std::string::npos) << "the watcher never showed the running runs";

  const auto store = store::Store::open(store_path);
  EXPECT_EQ(store.integrity_check(), "ok");
  int64_t stored = 0;
  for (const auto& r : store.runs()) stored += static_cast<int64_t>(store.metrics(r.id).size());
  EXPECT_EQ(stored, rows) << "every commit a writer timed is in the store";
  EXPECT_EQ(static_cast<int>(store.sweeps().size()), 1 + submits);
  ASSERT_GT(rows, 0);
  const double total_s = std::accumulate(latencies_us.begin(), latencies_us.end(), 0.0) / 1e6;
  std::printf("[ figures ] %.0f s: %d metric writers, %lld commits (%.0f/s); commit latency p50 %.2f ms, p99 %.2f ms, "
              "p99.9 %.2f ms, max %.2f ms; %d submits of the second sweep (p50 %.0f ms, max %.0f ms); "
              "status --watch every 0.2 s; no BUSY surfaced\n",
              seconds, kWriters, static_cast<long long>(rows), static_cast<double>(rows) / seconds,
              percentile(latencies_us, 0.5) / 1e3, percentile(latencies_us, 0.99) / 1e3,
              percentile(latencies_us, 0.999) / 1e3, percentile(latencies_us, 1.0) / 1e3, submits,
              percentile(submit_s, 0.5) * 1e3, percentile(submit_s, 1.0) * 1e3);
  (void)total_s;
}

}  // namespace
}  // namespace lps::reliability
