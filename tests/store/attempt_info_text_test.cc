// Reading back the info an attempt was claimed with (lps/store/attempt_info.h): the one-line description
// `lpsweep runs --attempts` prints and the JSON value `lpsweep export attempts` writes.
#include <lps/store/attempt_info.h>

#include <gtest/gtest.h>

namespace lps::store {
namespace {

TEST(AttemptInfoText, WhatAWorkerRecordedReadsBackAsOneLineAndAsAJsonValue) {
  // As lps/runner/slurm_job_info.cc writes it (tests/runner/slurm_job_info_test.cc checks that text).
  const std::string in_slurm =
      R"({"host":"gpu-n3","pid":99,"slurm":{"job_id":"1207","array_job_id":"1200","array_task_id":"7",)"
      R"("restart_count":2,"node":"gpu-n3","job_name":"lps-\"q\""}})";
  EXPECT_EQ(describe_attempt_info(in_slurm), "gpu-n3:99, slurm job 1207 (array 1200_7, restart 2) on gpu-n3");
  EXPECT_EQ(describe_attempt_info(std::string(R"({"host":"h1","pid":42})")), "h1:42");
  EXPECT_EQ(attempt_info_json_value(in_slurm), in_slurm);  // already compact: unchanged
  EXPECT_EQ(attempt_info_json_value(std::string(R"({ "host" : "h" })")), R"({"host":"h"})");
  // No info, and info that is not our JSON object: shown as it is, exported as a string; nothing throws.
  EXPECT_EQ(describe_attempt_info(std::nullopt), "");
  EXPECT_EQ(attempt_info_json_value(std::nullopt), "null");
  for (const std::string odd : {"not json", "[1,2]", "{\"host\": ", "\"quoted\""}) {
    EXPECT_EQ(describe_attempt_info(odd), odd);
    const std::string value = attempt_info_json_value(odd);
    EXPECT_EQ(value.front(), '"') << value;
    EXPECT_EQ(value.back(), '"') << value;
  }
  EXPECT_EQ(attempt_info_json_value(std::string("a\"b")), R"("a\"b")");
  // Fields of the wrong type are left out rather than thrown on.
  EXPECT_EQ(describe_attempt_info(std::string(R"({"host":[1],"pid":"x","slurm":{"job_id":3}})")), "pid x, slurm job 3");
}

TEST(AttemptInfoText, SlurmJobsAreDescribedWithArrayTaskRestartsAndNode) {
  EXPECT_EQ(describe_slurm_job("1207", "1200", "7", 2, "gpu-n3"), "slurm job 1207 (array 1200_7, restart 2) on gpu-n3");
  EXPECT_EQ(describe_slurm_job("5", "", "", 1, ""), "slurm job 5 (restart 1)");
  EXPECT_EQ(describe_slurm_job("5", "", "", 0, "n1"), "slurm job 5 on n1");
  EXPECT_EQ(describe_slurm_job("", "1200", "7", 2, "n1"), "");
}

}  // namespace
}  // namespace lps::store
