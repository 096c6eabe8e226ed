// What a worker records about where it runs (attempt info): SLURM's environment variables read into
// SlurmJobInfo and written as JSON, and the same through a real Worker claim into the store.
#include "runner_test_support.h"

#include <lps/runner/slurm_job_info.h>
#include <lps/runner/test_double_executor.h>
#include <lps/runner/worker.h>

#include <gtest/gtest.h>

#include <map>

namespace lps::runner {
namespace {

std::function<const char*(const char*)> env_of(const std::map<std::string, std::string>& vars) {
  return [vars](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(SlurmJobInfo, OutsideSlurmThereIsNone) {
  EXPECT_FALSE(slurm_job_from_environment(env_of({{"SLURM_ARRAY_TASK_ID", "3"}})).has_value());
  EXPECT_EQ(attempt_info_json("h1", 42, std::nullopt), R"({"host":"h1","pid":42})");
  EXPECT_EQ(describe(std::nullopt), "");
}

TEST(SlurmJobInfo, AnArrayTaskRecordsJobArrayTaskRestartsAndNode) {
  const auto info = slurm_job_from_environment(env_of({{"SLURM_JOB_ID", "1207"},
                                                       {"SLURM_ARRAY_JOB_ID", "1200"},
                                                       {"SLURM_ARRAY_TASK_ID", "7"},
                                                       {"SLURM_RESTART_COUNT", "2"},
                                                       {"SLURMD_NODENAME", "gpu-n3"},
                                                       {"SLURM_JOB_NAME", "lps-\"q\""}}));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->job_id, "1207");
  EXPECT_EQ(info->array_job_id, "1200");
  EXPECT_EQ(info->array_task_id, "7");
  EXPECT_EQ(info->restart_count, 2);
  EXPECT_EQ(info->node, "gpu-n3");
  EXPECT_EQ(attempt_info_json("gpu-n3", 99, info),
            R"({"host":"gpu-n3","pid":99,"slurm":{"job_id":"1207","array_job_id":"1200","array_task_id":"7",)"
            R"("restart_count":2,"node":"gpu-n3","job_name":"lps-\"q\""}})");
  EXPECT_EQ(describe(info), "slurm job 1207 (array 1200_7, restart 2) on gpu-n3");
}

TEST(SlurmJobInfo, APlainJobWithoutNodeNameTakesTheFirstNodeOfItsListAndBadCountsAreZero) {
  const auto info = slurm_job_from_environment(
      env_of({{"SLURM_JOB_ID", "5"}, {"SLURM_JOB_NODELIST", "node[07-09],x1"}, {"SLURM_RESTART_COUNT", "x"}}));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->node, "node07");
  EXPECT_EQ(info->restart_count, 0);
  EXPECT_EQ(attempt_info_json("h", 1, info), R"({"host":"h","pid":1,"slurm":{"job_id":"5","restart_count":0,"node":"node07"}})");
  EXPECT_EQ(slurm_job_from_environment(env_of({{"SLURM_JOB_ID", "5"}, {"SLURM_JOB_NODELIST", "n4,n5"}}))->node, "n4");
}

TEST(SlurmJobInfo, InvalidUtf8InTheEnvironmentIsReplacedNotThrown) {
  const auto info = slurm_job_from_environment(env_of({{"SLURM_JOB_ID", "5"}, {"SLURM_JOB_NAME", "a\xff"}}));
  EXPECT_NE(attempt_info_json("h", 1, info).find("\"job_name\":\"a\xEF\xBF\xBD\""), std::string::npos);
}

TEST(SlurmJobInfo, TheWorkerStoresItsAttemptInfoOnEveryAttempt) {
  test::TempDir dir;
  {
    auto store = store::Store::open(dir.file("s.db"));
    (void)store.submit(test::double_sweep(dir), test::double_runs(2));
  }
  WorkerOptions options;
  options.store_path = dir.file("s.db");
  options.attempt_info = R"({"host":"n1","slurm":{"job_id":"9"}})";
  TestDoubleExecutor executor;
  Worker worker(options, executor);
  EXPECT_EQ(worker.run().completed, 2);
  auto store = store::Store::open(dir.file("s.db"));
  for (const auto& run : store.runs()) {
    const auto attempts = store.attempts(run.id);
    ASSERT_EQ(attempts.size(), 1u);
    EXPECT_EQ(attempts[0].info.value_or("<none>"), options.attempt_info);
  }
}

TEST(SlurmJobInfo, ByDefaultTheWorkerRecordsThisProcesssHostPidAndSlurmJob) {
  test::TempDir dir;
  {
    auto store = store::Store::open(dir.file("s.db"));
    (void)store.submit(test::double_sweep(dir), test::double_runs(1));
  }
  ::setenv("SLURM_JOB_ID", "31337", 1);
  ::setenv("SLURM_ARRAY_TASK_ID", "4", 1);
  WorkerOptions options;
  options.store_path = dir.file("s.db");
  TestDoubleExecutor executor;
  Worker worker(options, executor);
  ::unsetenv("SLURM_JOB_ID");
  ::unsetenv("SLURM_ARRAY_TASK_ID");
  EXPECT_EQ(worker.run().completed, 1);
  auto store = store::Store::open(dir.file("s.db"));
  const auto info = store.attempts(store.runs().at(0).id).at(0).info.value_or("");
  EXPECT_NE(info.find(fmt::format("\"pid\":{}", ::getpid())), std::string::npos) << info;
  EXPECT_NE(info.find(R"("slurm":{"job_id":"31337","array_task_id":"4","restart_count":0)"), std::string::npos) << info;
}

}  // namespace
}  // namespace lps::runner
