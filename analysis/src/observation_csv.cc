// CSV → observations. Plain comma-separated text with a header row; fields may be double-quoted.
#include <fmt/format.h>
#include <lps/analysis/observation_csv.h>
#include <lps/core/diagnostic.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <optional>

namespace lps::analysis {
namespace {

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  fields.push_back(cur);
  return fields;
}

std::optional<double> parse_number(const std::string& text) {
  size_t b = text.find_first_not_of(" \t"), e = text.find_last_not_of(" \t");
  if (b == std::string::npos) return std::nullopt;
  double v = 0;
  const char* first = text.data() + b;
  const char* last = text.data() + e + 1;
  auto [ptr, ec] = std::from_chars(first, last, v);
  if (ec != std::errc() || ptr != last) return std::nullopt;
  return v;
}

bool passes(const RowFilter& f, const std::string& cell) {
  const auto x = parse_number(cell), y = parse_number(f.value);
  const bool numeric = x && y;
  switch (f.op) {
    case FilterOp::kEq: return numeric ? *x == *y : cell == f.value;
    case FilterOp::kNe: return numeric ? *x != *y : cell != f.value;
    case FilterOp::kLt: return numeric && *x < *y;
    case FilterOp::kLe: return numeric && *x <= *y;
    case FilterOp::kGt: return numeric && *x > *y;
    case FilterOp::kGe: return numeric && *x >= *y;
  }
  return false;
}

}  // namespace

RowFilter parse_row_filter(const std::string& text) {
  static const std::pair<const char*, FilterOp> kOps[] = {
      {"!=", FilterOp::kNe}, {"<=", FilterOp::kLe}, {">=", FilterOp::kGe}, {"==", FilterOp::kEq},
      {"=", FilterOp::kEq},  {"<", FilterOp::kLt},  {">", FilterOp::kGt}};
  for (const auto& [token, op] : kOps) {
    const size_t at = text.find(token);
    if (at != std::string::npos && at > 0) {
      return RowFilter{text.substr(0, at), op, text.substr(at + std::string(token).size())};
    }
  }
  throw Error(ErrorKind::kUserInput,
              fmt::format("bad filter '{}': write COLUMN=VALUE (or != < <= > >=), e.g. used_in_fit=1", text));
}

std::vector<Observation> read_observations_csv(const std::filesystem::path& path, const CsvColumns& columns,
                                               const std::vector<RowFilter>& filters) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorKind::kUserInput, fmt::format("{}: cannot open the CSV file", path.string()));
  return read_observations_csv(in, path.string(), columns, filters);
}

std::vector<Observation> read_observations_csv(std::istream& in, const std::string& file, const CsvColumns& columns,
                                               const std::vector<RowFilter>& filters) {
  const std::filesystem::path path(file);
  std::string line;
  if (!std::getline(in, line)) {
    throw UserInputError({Diagnostic{file, 1, 1, "", "empty file: the first line must name the columns"}});
  }
  const std::vector<std::string> header = split_csv_line(line);
  DiagnosticList problems;
  auto column_index = [&](const std::string& name, const std::string& role) -> int {
    if (name.empty()) return -1;
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return static_cast<int>(i);
    }
    problems.add(Diagnostic{
        file, 1, 1, name,
        fmt::format("no column named '{}' for {} (columns: {})", name, role, fmt::join(header, ", "))});
    return -1;
  };
  const int in_ = column_index(columns.n, "N"), id = column_index(columns.d, "D");
  const int il = column_index(columns.loss, "the loss");
  const int ifw = column_index(columns.fwd, "the forward scheme");
  const int ibw = column_index(columns.bwd, "the backward scheme");
  const int ilab = column_index(columns.label, "the label");
  std::vector<int> filter_cols;
  for (const auto& f : filters) filter_cols.push_back(column_index(f.column, "a filter"));
  problems.throw_if_any();

  std::vector<Observation> out;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    const std::vector<std::string> cells = split_csv_line(line);
    if (cells.size() != header.size()) {
      // Point at the first field that is missing or extra.
      const int first_bad = static_cast<int>(std::min(cells.size(), header.size())) + 1;
      problems.add(Diagnostic{file, line_no, first_bad, "",
                              fmt::format("{} fields, the header has {}", cells.size(), header.size())});
      continue;
    }
    bool keep = true;
    for (size_t k = 0; k < filters.size() && keep; ++k) keep = passes(filters[k], cells[filter_cols[k]]);
    if (!keep) continue;
    Observation o;
    auto number = [&](int col, const std::string& name, double& target) {
      const auto v = parse_number(cells[col]);
      if (!v || !std::isfinite(*v)) {
        problems.add(
            Diagnostic{file, line_no, col + 1, name, fmt::format("'{}' is not a finite number", cells[col])});
      } else {
        target = *v;
      }
    };
    number(in_, columns.n, o.n);
    number(id, columns.d, o.d);
    number(il, columns.loss, o.loss);
    o.fwd = ifw >= 0 ? cells[ifw] : columns.fwd_default;
    o.bwd = ibw >= 0 ? cells[ibw] : columns.bwd_default;
    o.label = ilab >= 0 ? cells[ilab] : fmt::format("{}:{}", path.filename().string(), line_no);
    out.push_back(std::move(o));
  }
  problems.throw_if_any();
  return out;
}

}  // namespace lps::analysis
