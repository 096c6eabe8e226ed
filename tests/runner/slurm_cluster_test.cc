// `lpsweep slurm` on a real SLURM: a single-node cluster (slurmctld + slurmd + munged on loopback, started by
// scripts/slurm/local-cluster.sh in a temporary folder) runs the generated job array of a tiny CPU sweep to
// the end; then SIGUSR1 sent to a running array task (`scancel --signal=USR1 --batch`, what --signal=B:USR1@120
// does before the time limit) makes its worker checkpoint and release the run, the task requeues itself, and
// the restarted task resumes the run to completion. Skips where Debian's slurmctld is not installed or
// where this process is not root (slurmd must be).
#include "runner_test_support.h"
#include "test_support.h"

#include <lps/store/store.h>

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

namespace lps::runner {
namespace {

const std::string kCli = LPS_CLI_PATH;
using Clock = std::chrono::steady_clock;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class LocalCluster {
 public:
  explicit LocalCluster(std::string dir) : dir_(std::move(dir)) {}
  ~LocalCluster() {
    if (started_) (void)lps::test::run_command(script() + " stop '" + dir_ + "'");
  }
  [[nodiscard]] lps::test::CommandResult start() {
    auto r = lps::test::run_command(script() + " start '" + dir_ + "'");
    started_ = true;
    return r;
  }
  // A SLURM client command against this cluster.
  [[nodiscard]] lps::test::CommandResult slurm(const std::string& command) const {
    return lps::test::run_command("SLURM_CONF='" + dir_ + "/slurm.conf' " + command);
  }
  // Waits until the job has left the queue (completed, failed or cancelled); false on timeout.
  [[nodiscard]] bool wait_gone(const std::string& job, double limit_s) const {
    const auto start = Clock::now();
    while (std::chrono::duration<double>(Clock::now() - start).count() < limit_s) {
      const auto r = slurm("squeue -h -j " + job + " -o %i");
      if (r.exit_code == 0 && trim(r.output).empty()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return false;
  }
  [[nodiscard]] std::string logs() const {
    return read_file(dir_ + "/log/slurmctld.log").substr(0, 4000) + read_file(dir_ + "/log/slurmd.log").substr(0, 4000);
  }

 private:
  static std::string script() { return (lps::test::source_dir() / "scripts/slurm/local-cluster.sh").string(); }
  std::string dir_;
  bool started_ = false;
};

std::string write_sweep(const test::TempDir& dir, const std::string& name, const std::string& tokens) {
  const std::string path = dir.file(name + ".yaml");
  std::ofstream(path) << "name: " << name << "\nstore: " << name << ".db\noutput: " << name << R"(-out
data:
  kind: synthetic
  vocab: 64
models: [tiny-xs]
tokens: )" << tokens << R"(
schemes: [bf16]
train:
  batch_seqs: 8
eval:
  tokens: 4K
checkpoint:
  every_steps: 100
retry:
  max_attempts: 2
  backoff_s: 0
)";
  return path;
}

// "Submitted batch job 12" -> "12".
std::string submitted_job(const std::string& output) {
  std::smatch m;
  return std::regex_search(output, m, std::regex("Submitted batch job ([0-9]+)")) ? m[1].str() : std::string();
}

TEST(SlurmCluster, AJobArrayRunsTheSweepAndUsr1RequeuesATaskThatResumesItsRun) {
  if (!std::filesystem::exists("/usr/sbin/slurmctld") || !std::filesystem::exists("/usr/sbin/slurmd")) {
    GTEST_SKIP() << "Debian's slurmctld/slurmd are not installed (apt-get install slurmctld slurmd slurm-client munge)";
  }
  if (::geteuid() != 0) GTEST_SKIP() << "slurmd must run as root to start jobs; this test runs as uid " << ::geteuid();
  test::TempDir dir;
  LocalCluster cluster(dir.file("cluster"));
  const auto up = cluster.start();
  ASSERT_EQ(up.exit_code, 0) << up.output << cluster.logs();
  const std::string node = trim(cluster.slurm("sinfo -h -N -o %N").output);
  ASSERT_FALSE(node.empty());

  // 1. Three short runs, two array tasks: every run completes, each attempt names its array task.
  {
    const std::string sweep = write_sweep(dir, "arr", "[10K, 15K, 20K]");
    const auto gen = lps::test::run_command(kCli + " slurm '" + sweep + "' --tasks 2 --nodelist " + node +
                                            " --time 15 --cpus-per-task 1 -o '" + dir.file("arr.sbatch") + "'");
    ASSERT_EQ(gen.exit_code, 0) << gen.output;
    EXPECT_NE(gen.output.find("--nodelist pins the tasks"), std::string::npos) << gen.output;
    const auto sub = cluster.slurm("sbatch '" + dir.file("arr.sbatch") + "'");
    const std::string job = submitted_job(sub.output);
    ASSERT_FALSE(job.empty()) << sub.output << cluster.logs();
    ASSERT_TRUE(cluster.wait_gone(job, 300)) << cluster.slurm("squeue").output;
    auto store = store::Store::open(dir.file("arr.db"));
    const auto runs = store.runs();
    ASSERT_EQ(runs.size(), 3u);
    std::set<std::string> tasks_seen;
    for (const auto& run : runs) {
      EXPECT_EQ(run.state, store::RunState::kCompleted) << run.label << ": " << run.error;
      for (const auto& a : store.attempts(run.id)) {
        const std::string info = a.info.value_or("");
        EXPECT_NE(info.find("\"array_job_id\":\"" + job + "\""), std::string::npos) << info;
        std::smatch m;
        if (std::regex_search(info, m, std::regex("\"array_task_id\":\"([0-9]+)\""))) tasks_seen.insert(m[1].str());
      }
    }
    EXPECT_FALSE(tasks_seen.empty());
    for (const char* task : {"0", "1"}) {
      const std::string log = read_file(dir.file(fmt::format("arr-out/slurm/logs/lps-arr-{}_{}.log", job, task)));
      EXPECT_NE(log.find(fmt::format("lpsweep: array task {}_{}", job, task)), std::string::npos) << log;
      EXPECT_NE(log.find("worker exited with status 0"), std::string::npos) << log;
    }
  }

  // 2. One longer run; SIGUSR1 while it trains: stopped + requeued, the restarted task finishes it.
  {
    const std::string sweep = write_sweep(dir, "req", "[600K]");
    const auto gen = lps::test::run_command(kCli + " slurm '" + sweep + "' --nodelist " + node +
                                            " --cpus-per-task 1 -o '" + dir.file("req.sbatch") + "'");
    ASSERT_EQ(gen.exit_code, 0) << gen.output;
    const auto sub = cluster.slurm("sbatch '" + dir.file("req.sbatch") + "'");
    const std::string job = submitted_job(sub.output);
    ASSERT_FALSE(job.empty()) << sub.output;
    // Wait until the run has trained past its first checkpoint, then warn the task as SLURM would.
    const auto start = Clock::now();
    bool training = false;
    while (!training && std::chrono::duration<double>(Clock::now() - start).count() < 180) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (!std::filesystem::exists(dir.file("req.db"))) continue;
      try {
        auto store = store::Store::open(dir.file("req.db"));
        const auto runs = store.runs();
        training = !runs.empty() && !store.checkpoints(runs[0].id).empty();
      } catch (const std::exception&) {
      }
    }
    ASSERT_TRUE(training) << "the run did not reach its first checkpoint within 180 s";
    const auto sig = cluster.slurm("scancel --signal=USR1 --batch " + job);
    ASSERT_EQ(sig.exit_code, 0) << sig.output;
    ASSERT_TRUE(cluster.wait_gone(job, 420)) << cluster.slurm("squeue").output;
    auto store = store::Store::open(dir.file("req.db"));
    const auto run = store.runs().at(0);
    EXPECT_EQ(run.state, store::RunState::kCompleted) << run.error;
    EXPECT_EQ(run.failures, 0);
    const auto attempts = store.attempts(run.id);
    ASSERT_EQ(attempts.size(), 2u);
    EXPECT_EQ(attempts[0].outcome, store::AttemptOutcome::kStopped);
    EXPECT_NE(attempts[0].message.find("stopped by SIGUSR1"), std::string::npos) << attempts[0].message;
    EXPECT_NE(attempts[0].info.value_or("").find("\"restart_count\":0"), std::string::npos) << *attempts[0].info;
    EXPECT_EQ(attempts[1].outcome, store::AttemptOutcome::kCompleted);
    EXPECT_NE(attempts[1].info.value_or("").find("\"restart_count\":1"), std::string::npos) << *attempts[1].info;
    const std::string log = read_file(dir.file(fmt::format("req-out/slurm/logs/lps-req-{}_0.log", job)));
    EXPECT_NE(log.find("requeueing array task " + job + "_0"), std::string::npos) << log;
    EXPECT_NE(log.find("(job " + job + ", restart 1)"), std::string::npos) << log;
  }
}

}  // namespace
}  // namespace lps::runner
