#include <lps/runner/slurm_job_info.h>
#include <lps/store/attempt_info.h>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <charconv>
#include <cstdlib>

namespace lps::runner {
namespace {

[[nodiscard]] std::string variable(const std::function<const char*(const char*)>& getenv, const char* name) {
  const char* value = getenv(name);
  return value != nullptr ? std::string(value) : std::string();
}

// "node[01-03],gpu5" -> "node01"; "n7" -> "n7".
[[nodiscard]] std::string first_node(const std::string& nodelist) {
  const size_t bracket = nodelist.find('['), comma = nodelist.find(',');
  if (bracket != std::string::npos && (comma == std::string::npos || bracket < comma)) {
    const size_t end = nodelist.find_first_of("-,]", bracket + 1);
    return nodelist.substr(0, bracket) + nodelist.substr(bracket + 1, end - bracket - 1);
  }
  return nodelist.substr(0, comma);
}

}  // namespace

std::optional<SlurmJobInfo> slurm_job_from_environment(const std::function<const char*(const char*)>& getenv) {
  SlurmJobInfo info;
  info.job_id = variable(getenv, "SLURM_JOB_ID");
  if (info.job_id.empty()) return std::nullopt;
  info.array_job_id = variable(getenv, "SLURM_ARRAY_JOB_ID");
  info.array_task_id = variable(getenv, "SLURM_ARRAY_TASK_ID");
  const std::string restarts = variable(getenv, "SLURM_RESTART_COUNT");
  int n = 0;
  const auto [end, ec] = std::from_chars(restarts.data(), restarts.data() + restarts.size(), n);
  info.restart_count = ec == std::errc() && end == restarts.data() + restarts.size() && n >= 0 ? n : 0;
  info.node = variable(getenv, "SLURMD_NODENAME");
  if (info.node.empty()) info.node = first_node(variable(getenv, "SLURM_JOB_NODELIST"));
  info.job_name = variable(getenv, "SLURM_JOB_NAME");
  return info;
}

std::optional<SlurmJobInfo> slurm_job_from_environment() {
  return slurm_job_from_environment([](const char* name) -> const char* { return std::getenv(name); });
}

std::string attempt_info_json(const std::string& host, long pid, const std::optional<SlurmJobInfo>& slurm) {
  nlohmann::ordered_json info = {{"host", host}, {"pid", pid}};
  if (slurm) {
    nlohmann::ordered_json s = {{"job_id", slurm->job_id}};
    if (!slurm->array_job_id.empty()) s["array_job_id"] = slurm->array_job_id;
    if (!slurm->array_task_id.empty()) s["array_task_id"] = slurm->array_task_id;
    s["restart_count"] = slurm->restart_count;
    if (!slurm->node.empty()) s["node"] = slurm->node;
    if (!slurm->job_name.empty()) s["job_name"] = slurm->job_name;
    info["slurm"] = std::move(s);
  }
  // Replace invalid UTF-8 (environment bytes) instead of throwing.
  return info.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string attempt_info_from_environment() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return attempt_info_json(host[0] != '\0' ? host : "localhost", static_cast<long>(::getpid()),
                           slurm_job_from_environment());
}

std::string describe(const std::optional<SlurmJobInfo>& slurm) {
  if (!slurm) return {};
  return store::describe_slurm_job(slurm->job_id, slurm->array_job_id, slurm->array_task_id, slurm->restart_count,
                                   slurm->node);
}

}  // namespace lps::runner
