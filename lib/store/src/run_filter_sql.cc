#include "run_filter_sql.h"

#include <fmt/format.h>

namespace lps::store::detail {

FilterSql build_filter_sql(const RunFilter& filter) {
  FilterSql out;
  std::vector<std::string> terms;
  auto param = [&](const std::string& value) {
    out.values.push_back(value);
    return fmt::format("?{}", out.values.size());
  };
  if (!filter.sweep.empty()) terms.push_back("s.name = " + param(filter.sweep));
  if (!filter.scheme.empty()) terms.push_back("r.scheme = " + param(filter.scheme));
  if (!filter.states.empty()) {
    std::string in;
    for (RunState state : filter.states) in += (in.empty() ? "" : ", ") + param(to_string(state));
    terms.push_back("r.state IN (" + in + ")");
  }
  if (!filter.runs.empty()) {
    std::string any;
    for (const auto& name : filter.runs) {
      const std::string p = param(name);
      // Exact key, exact label, or a key prefix of at least 6 characters.
      any += fmt::format("{sep}r.key = {p} OR r.label = {p} OR (length({p}) >= 6 AND substr(r.key, 1, length({p})) = {p})",
                         fmt::arg("sep", any.empty() ? "" : " OR "), fmt::arg("p", p));
    }
    terms.push_back("(" + any + ")");
  }
  if (terms.empty()) {
    out.where = "TRUE";
  } else {
    for (size_t i = 0; i < terms.size(); ++i) out.where += (i ? " AND " : "") + terms[i];
  }
  return out;
}

}  // namespace lps::store::detail
