// Reading back the `info` an attempt was claimed with (AttemptRow::info): the JSON object a worker records
// about where it runs — {"host":…,"pid":…} plus, inside SLURM, "slurm":{"job_id","array_job_id",
// "array_task_id","restart_count","node",…} (lps/runner/slurm_job_info.h writes it). A store may hold anything
// there (older versions, other tools), so nothing here throws: text that is not such an object is kept as is.
#pragma once

#include <optional>
#include <string>

namespace lps::store {

// "slurm job 12 (array 10_2, restart 1) on node7"; "" when job_id is empty.
[[nodiscard]] std::string describe_slurm_job(const std::string& job_id, const std::string& array_job_id,
                                             const std::string& array_task_id, int restart_count,
                                             const std::string& node);

// One line for people: "host:pid" and its SLURM job, e.g. "n7:4242, slurm job 123 (array 120_3, restart 1) on
// n7"; "" for no info; text that is not a JSON object with such fields, as it is.
[[nodiscard]] std::string describe_attempt_info(const std::optional<std::string>& info);

// The info as one JSON value for exports: the object (compact) when it parses as one, the text as a JSON string
// when it does not, null for no info.
[[nodiscard]] std::string attempt_info_json_value(const std::optional<std::string>& info);

}  // namespace lps::store
