// Fuzz target: observation CSVs and row filters. See fuzz_targets.h.
#include <fmt/format.h>
#include <lps/analysis/observation_csv.h>
#include <lps/core/diagnostic.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <sstream>

#include "fuzz_targets.h"

namespace lps::fuzz {
namespace {

constexpr const char* kFile = "fuzz/observations.csv";

std::optional<std::string> unlocated(const UserInputError& e) {
  if (e.problems().empty()) return fmt::format("UserInputError without problems: {}", e.what());
  for (const Diagnostic& d : e.problems()) {
    if (d.file != kFile || d.line < 1 || d.col < 1 || d.message.empty()) {
      return fmt::format("a CSV problem without file:line:col: '{}' (line {}, col {})", d.str(), d.line, d.col);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> csv_importer_finding(std::string_view input) {
  const size_t eol = input.find('\n');
  const std::string_view filter_line = eol == std::string_view::npos ? input : input.substr(0, eol);
  const std::string_view csv = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);

  std::vector<analysis::RowFilter> filters;
  for (size_t start = 0; start < filter_line.size();) {
    const size_t end = std::min(filter_line.find(';', start), filter_line.size());
    const std::string text(filter_line.substr(start, end - start));
    start = end + 1;
    if (text.empty()) continue;
    try {
      filters.push_back(analysis::parse_row_filter(text));
    } catch (const Error& e) {
      // A flag, not a file: a user-input error naming the filter is the promised answer.
      if (e.kind() != ErrorKind::kUserInput) return fmt::format("parse_row_filter: {} error: {}", to_string(e.kind()), e.what());
    } catch (const std::exception& e) {
      return fmt::format("parse_row_filter threw something other than lps::Error: {}", e.what());
    }
  }

  analysis::CsvColumns columns;
  columns.loss = "loss";
  columns.fwd = "fwd";
  columns.bwd = "bwd";
  columns.label = "label";
  std::istringstream in{std::string(csv)};
  try {
    const auto observations = analysis::read_observations_csv(in, kFile, columns, filters);
    for (const auto& o : observations) {
      // The reader promises finite numbers; positivity is validate_observations' job, later.
      if (!std::isfinite(o.n) || !std::isfinite(o.d) || !std::isfinite(o.loss)) {
        return fmt::format("accepted a row with N {}, D {}, loss {} (each must be finite)", o.n, o.d, o.loss);
      }
    }
  } catch (const UserInputError& e) {
    return unlocated(e);
  } catch (const std::exception& e) {
    return fmt::format("read_observations_csv threw something other than UserInputError: {}", e.what());
  }
  return std::nullopt;
}

}  // namespace lps::fuzz
