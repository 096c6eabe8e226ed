// `lpsweep store migrate` end to end through the binary: a SQLite store with history moves to SQLite or
// PostgreSQL, the report says what moved, a second run into the now non-empty store is refused, and other
// commands (status, runs) work on the destination URL without ever printing its password.
#include <lps/store/store.h>

#include "store_test_support.h"
#include "test_support.h"

#include <gtest/gtest.h>

namespace lps::store {
namespace {

const std::string kCli = LPS_CLI_PATH;

class MigrateCli : public test::BackendTest {};

std::string password_of(const std::string& url) {
  const size_t start = url.find("://") + 3;
  const size_t colon = url.find(':', start);
  const size_t at = url.find('@', start);
  return colon != std::string::npos && colon < at ? url.substr(colon + 1, at - colon - 1) : "";
}

TEST_P(MigrateCli, MovesASweepReportsWhatMovedAndRefusesToDoItTwice) {
  test::TempDir src_dir;
  test::StoreDir dst_dir(GetParam());
  const std::string src_path = src_dir.file("src.db");
  {
    auto src = Store::open(src_path);
    (void)src.submit({"cli-sweep", "/out", "s.yaml"}, test::make_runs(3));
    auto c = src.claim("w1", "", R"({"slurm_job_id":"7"})");
    src.record_metrics(fence_of(*c), {1, 100, 3.5, std::nullopt, 1e-3, 0.5, 10});
    src.record_metrics(fence_of(*c), {2, 200, 3.25, 3.0, 1e-3, 0.5, 10});
    AttemptReport done;
    done.final_eval_loss = 3.0;
    src.finish(fence_of(*c), done);
    (void)src.save_fit({0, "cli-sweep", "quartet-law", "{}", 0});
  }
  const std::string dst = dst_dir.file("dst.db");
  const std::string secret = password_of(dst);

  const auto first = lps::test::run_command(kCli + " store migrate --from sqlite:" + src_path + " --to '" + dst + "'");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("copied 1 sweep (cli-sweep)"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("runs 3, attempts 1, metrics 2, checkpoints 0, fits 1, benchmarks 0"), std::string::npos)
      << first.output;
  EXPECT_NE(first.output.find("verified"), std::string::npos) << first.output;
  if (!secret.empty()) {
    EXPECT_EQ(first.output.find(secret), std::string::npos) << "password printed:\n" << first.output;
  }

  auto copy = Store::open(dst);
  EXPECT_EQ(copy.count_states()[RunState::kCompleted], 1);
  EXPECT_EQ(copy.count_states()[RunState::kQueued], 2);
  const auto done_run = copy.runs({"cli-sweep", {RunState::kCompleted}, "", {}});
  ASSERT_EQ(done_run.size(), 1u);
  EXPECT_EQ(copy.attempts(done_run[0].id).at(0).info.value_or(""), R"({"slurm_job_id":"7"})");

  const auto again = lps::test::run_command(kCli + " store migrate --from " + src_path + " --to '" + dst + "'");
  EXPECT_NE(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("is not empty"), std::string::npos) << again.output;
  if (!secret.empty()) {
    EXPECT_EQ(again.output.find(secret), std::string::npos) << again.output;
  }

  const auto status = lps::test::run_command(kCli + " status --store '" + dst + "'");
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("cli-sweep"), std::string::npos) << status.output;
  if (!secret.empty()) {
    EXPECT_EQ(status.output.find(secret), std::string::npos) << status.output;
  }
}

TEST(MigrateCliErrors, AnUnreachableDestinationSaysWhereAndWhatToDo) {
  test::TempDir dir;
  { auto s = Store::open(dir.file("s.db")); }
  const auto r = lps::test::run_command(kCli + " store migrate --from " + dir.file("s.db") +
                                        " --to postgresql://lps:hunter2@127.0.0.1:1/sweeps");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("cannot reach the PostgreSQL server at 127.0.0.1:1"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("hunter2"), std::string::npos) << r.output;
}

LPS_ON_BOTH_BACKENDS(MigrateCli);

}  // namespace
}  // namespace lps::store
