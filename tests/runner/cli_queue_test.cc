// The queue subcommands end to end through the lpsweep binary, with the test-double executor (no training):
// submit (idempotent, concurrent), run, status, runs (with --attempts), cancel, retry, export runs and attempts.
#include "runner_test_support.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <fstream>

namespace lps::runner {
namespace {

const std::string kCli = LPS_CLI_PATH;

// 1 model × 2 budgets × 2 schemes = 4 runs on the synthetic source.
std::string write_sweep(const test::TempDir& dir, const std::string& name = "cli") {
  const std::string path = dir.file(name + ".yaml");
  std::ofstream(path) << "name: " << name << R"(
store: store.db
output: out
data:
  kind: synthetic
  vocab: 256
models: [tiny-xs]
tokens: [75K, 150K]
schemes: [bf16, fp8]
train:
  batch_seqs: 8
retry:
  max_attempts: 2
  backoff_s: 0
)";
  return path;
}

lps::test::CommandResult cli(const std::string& args) { return lps::test::run_command(kCli + " " + args); }

// How often `needle` occurs in `text`.
int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int count_lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n' ? 1 : 0;
  return n;
}

TEST(CliQueue, SubmitTwiceAddsNothingTheSecondTime) {
  test::TempDir dir;
  const auto sweep = write_sweep(dir);
  auto r = cli("submit " + sweep);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("4 runs planned; 4 added, 0 already in the store"), std::string::npos) << r.output;
  r = cli("submit " + sweep);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("4 runs planned; 0 added, 4 already in the store"), std::string::npos) << r.output;
  r = cli("status " + sweep);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("sweep cli: 4 runs — 4 queued"), std::string::npos) << r.output;
}

TEST(CliQueue, TheSameSweepSubmittedTwiceConcurrentlyYieldsExactlyItsRuns) {
  test::TempDir dir;
  const auto sweep = write_sweep(dir);
  const auto r = lps::test::run_command(fmt::format("{0} submit {1} > {2}/a.out 2>&1 & {0} submit {1} > {2}/b.out 2>&1 & "
                                                    "{0} submit {1} > {2}/c.out 2>&1 & wait",
                                                    kCli, sweep, dir.path().string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto runs = cli("runs " + sweep);
  ASSERT_EQ(runs.exit_code, 0) << runs.output;
  EXPECT_NE(runs.output.find("\n4 runs\n"), std::string::npos) << runs.output;
}

TEST(CliQueue, RunWithTheTestDoubleFinishesTheSweepAndExportsOneRowPerRun) {
  test::TempDir dir;
  const auto sweep = write_sweep(dir);
  auto r = cli("run " + sweep + " --executor test-double");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("sweep cli: 4 runs — 4 completed"), std::string::npos) << r.output;

  r = cli("export runs " + sweep + " --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("key,label,sweep,n_params,tokens,scheme,final_eval_loss,tokens_per_s,wall_s,status", 0), 0u)
      << r.output;
  EXPECT_EQ(count_lines(r.output), 5) << r.output;
  EXPECT_NE(r.output.find(",completed,1,"), std::string::npos) << r.output;

  const std::string json_path = dir.file("runs.json");
  r = cli("export runs " + sweep + " --format json -o " + json_path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string json = read_text(json_path);
  EXPECT_EQ(count_of(json, "\"status\": \"completed\""), 4) << json;
  EXPECT_EQ(json.front(), '[');
}

TEST(CliQueue, AttemptsShowWhereTheyRanInRunsAndInTheirOwnExport) {
  test::TempDir dir;
  const auto sweep = write_sweep(dir);
  // A worker inside a SLURM array task (its environment is all a worker reads of SLURM).
  auto r = lps::test::run_command("SLURM_JOB_ID=77 SLURM_ARRAY_JOB_ID=70 SLURM_ARRAY_TASK_ID=3 SLURM_RESTART_COUNT=1 "
                                  "SLURMD_NODENAME=gpu-n9 " + kCli + " run " + sweep + " --executor test-double");
  ASSERT_EQ(r.exit_code, 0) << r.output;

  r = cli("runs " + sweep + " --attempts");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  int attempt_lines = 0;
  for (size_t p = r.output.find("\n    #1 "); p != std::string::npos; p = r.output.find("\n    #1 ", p + 1)) {
    ++attempt_lines;
    const std::string line = r.output.substr(p + 1, r.output.find('\n', p + 1) - p - 1);
    EXPECT_NE(line.find("  completed"), std::string::npos) << line;
    EXPECT_NE(line.find(", slurm job 77 (array 70_3, restart 1) on gpu-n9]"), std::string::npos) << line;
  }
  EXPECT_EQ(attempt_lines, 4) << r.output;
  EXPECT_EQ(cli("runs " + sweep).output.find("slurm job"), std::string::npos) << "attempts only on request";

  r = cli("export attempts " + sweep + " --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("key,label,sweep,attempt,worker,started,heartbeat,ended,outcome,message,info\n", 0), 0u)
      << r.output;
  EXPECT_EQ(count_lines(r.output), 5) << r.output;
  EXPECT_NE(r.output.find(",completed,"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(",\"{\"\"host\"\":"), std::string::npos) << r.output;  // the info, quoted for CSV

  const std::string json_path = dir.file("attempts.json");
  r = cli("export attempts " + sweep + " --format json -o " + json_path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("wrote 4 attempts to"), std::string::npos) << r.output;
  const std::string json = read_text(json_path);
  EXPECT_EQ(count_of(json, "\"info\": {\"host\":"), 4) << json;  // the info is a JSON object, not a string
  EXPECT_NE(json.find(R"("slurm":{"job_id":"77","array_job_id":"70","array_task_id":"3","restart_count":1,"node":"gpu-n9"})"),
            std::string::npos) << json;
  EXPECT_NE(json.find("\"outcome\": \"completed\""), std::string::npos) << json;

  r = cli("export attempts " + sweep + " --state failed");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(count_lines(r.output), 1) << "only the header: no run failed\n" << r.output;
}

TEST(CliQueue, CancelAndRetryActOnNamedRunsOnly) {
  test::TempDir dir;
  const auto sweep = write_sweep(dir);
  ASSERT_EQ(cli("submit " + sweep).exit_code, 0);
  auto r = cli("runs " + sweep + " --scheme fp8");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\n2 runs\n"), std::string::npos) << r.output;
  // The first listed fp8 run's key prefix (the line after the header).
  const size_t line = r.output.find('\n') + 1;
  const std::string prefix = r.output.substr(line, 12);

  r = cli("cancel " + sweep);
  EXPECT_EQ(r.exit_code, 2) << "cancel without runs or --all must refuse\n" << r.output;
  r = cli("cancel " + sweep + " " + prefix);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("cancelled 1 run"), std::string::npos) << r.output;
  r = cli("runs " + sweep + " --state cancelled");
  EXPECT_NE(r.output.find("\n1 run\n"), std::string::npos) << r.output;
  r = cli("retry --store " + dir.file("store.db") + " --all");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("requeued 1 run"), std::string::npos) << r.output;
  r = cli("status --store " + dir.file("store.db"));
  EXPECT_NE(r.output.find("4 queued"), std::string::npos) << r.output;
}

TEST(CliQueue, ABadStateIsAUsageError) {
  test::TempDir dir;
  const auto sweep = write_sweep(dir);
  ASSERT_EQ(cli("submit " + sweep).exit_code, 0);
  const auto r = cli("runs " + sweep + " --state finished");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--state 'finished': expected queued, running"), std::string::npos) << r.output;
}

TEST(CliQueue, StatusOfAMissingStoreIsAnErrorAndCreatesNothing) {
  test::TempDir dir;
  const auto r = cli("status --store " + dir.file("nope.db"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("no such file"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("nope.db")));
}

}  // namespace
}  // namespace lps::runner
