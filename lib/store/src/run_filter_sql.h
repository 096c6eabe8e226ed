// Turns a RunFilter into a parameterised WHERE clause over `runs r JOIN sweeps s`. Values are bound, never
// spliced into SQL text.
#pragma once

#include <lps/store/records.h>

#include "connection.h"

#include <string>
#include <vector>

namespace lps::store::detail {

struct FilterSql {
  std::string where;                // "TRUE" when the filter matches everything
  std::vector<std::string> values;  // bound in order as ?1, ?2, ... (all text)
  // Binds the values starting at parameter `first`.
  void bind(Statement& st, int first = 1) const {
    for (size_t i = 0; i < values.size(); ++i) st.bind(first + static_cast<int>(i), values[i]);
  }
};

[[nodiscard]] FilterSql build_filter_sql(const RunFilter& filter);

}  // namespace lps::store::detail
