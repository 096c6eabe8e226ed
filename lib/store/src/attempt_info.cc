#include <lps/store/attempt_info.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace lps::store {
namespace {

using Json = nlohmann::ordered_json;

// The info as a JSON object, or nullopt when it is not one.
[[nodiscard]] std::optional<Json> parse_info(const std::string& text) {
  auto j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

// A string or integer field as text; "" when absent or of another type.
[[nodiscard]] std::string text_of(const Json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  return {};
}

}  // namespace

std::string describe_slurm_job(const std::string& job_id, const std::string& array_job_id,
                               const std::string& array_task_id, int restart_count, const std::string& node) {
  if (job_id.empty()) return {};
  std::string text = "slurm job " + job_id;
  if (!array_job_id.empty()) {
    text += fmt::format(" (array {}_{}, restart {})", array_job_id, array_task_id, restart_count);
  } else if (restart_count > 0) {
    text += fmt::format(" (restart {})", restart_count);
  }
  if (!node.empty()) text += " on " + node;
  return text;
}

std::string describe_attempt_info(const std::optional<std::string>& info) {
  if (!info || info->empty()) return {};
  const auto j = parse_info(*info);
  if (!j) return *info;
  std::string text = text_of(*j, "host");
  if (const auto pid = text_of(*j, "pid"); !pid.empty()) text += (text.empty() ? "pid " : ":") + pid;
  if (const auto s = j->find("slurm"); s != j->end() && s->is_object()) {
    const auto restarts = s->find("restart_count");
    const int restart_count = restarts != s->end() && restarts->is_number_integer() ? restarts->get<int>() : 0;
    const auto job = describe_slurm_job(text_of(*s, "job_id"), text_of(*s, "array_job_id"),
                                        text_of(*s, "array_task_id"), restart_count, text_of(*s, "node"));
    if (!job.empty()) text += (text.empty() ? "" : ", ") + job;
  }
  return text.empty() ? *info : text;
}

std::string attempt_info_json_value(const std::optional<std::string>& info) {
  if (!info) return "null";
  const auto replace = Json::error_handler_t::replace;
  if (const auto j = parse_info(*info)) return j->dump(-1, ' ', false, replace);
  return Json(*info).dump(-1, ' ', false, replace);
}

}  // namespace lps::store
