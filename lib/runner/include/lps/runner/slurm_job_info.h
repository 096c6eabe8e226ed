// Where a worker runs, recorded on every attempt it claims (store::AttemptRow::info, JSON): the host and,
// inside a SLURM job, the job id, array job and task ids, restart count and node — so `lpsweep` can say which
// array task trained (or lost) which attempt, and a requeued task's attempts are told apart.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace lps::runner {

// SLURM's description of the job this process runs in (its environment variables).
struct SlurmJobInfo {
  std::string job_id;         // SLURM_JOB_ID: this job (for an array task, the task's own job id)
  std::string array_job_id;   // SLURM_ARRAY_JOB_ID: the array's job id ("" outside arrays)
  std::string array_task_id;  // SLURM_ARRAY_TASK_ID ("" outside arrays)
  int restart_count = 0;      // SLURM_RESTART_COUNT: how often the job was requeued (absent = 0)
  std::string node;           // SLURMD_NODENAME (else the first of SLURM_JOB_NODELIST)
  std::string job_name;       // SLURM_JOB_NAME
};

// Reads the variables through `getenv` (tests pass their own); nullopt outside SLURM (no SLURM_JOB_ID).
[[nodiscard]] std::optional<SlurmJobInfo> slurm_job_from_environment(
    const std::function<const char*(const char*)>& getenv);
[[nodiscard]] std::optional<SlurmJobInfo> slurm_job_from_environment();

// The attempt info JSON: {"host":"...","pid":N} plus "slurm":{"job_id":...,"array_job_id":...,
// "array_task_id":...,"restart_count":N,"node":...,"job_name":...} inside SLURM (empty ids omitted).
[[nodiscard]] std::string attempt_info_json(const std::string& host, long pid, const std::optional<SlurmJobInfo>& slurm);
// attempt_info_json() of this process (hostname, getpid, environment).
[[nodiscard]] std::string attempt_info_from_environment();

// "slurm job 12 (array 10_2, restart 1) on node7" for logs; "" without SLURM.
[[nodiscard]] std::string describe(const std::optional<SlurmJobInfo>& slurm);

}  // namespace lps::runner
