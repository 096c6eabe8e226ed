// Reading observations from a CSV file whose columns are named by the user, with row filters.
//
//   CsvColumns cols{.n = "N", .d = "D", .loss = "c4_val_loss", .fwd = "fwd_quantizer", .bwd =
//   "bwd_quantizer"}; auto obs = read_observations_csv("losses.csv", cols,
//   {parse_row_filter("used_in_paper_table6_base_fit=1")});
#pragma once

#include <lps/analysis/observation.h>

#include <filesystem>
#include <istream>
#include <string>
#include <vector>

namespace lps::analysis {

struct CsvColumns {
  std::string n = "N";               // model size column
  std::string d = "D";               // tokens column
  std::string loss = "loss";         // final loss column
  std::string fwd;                   // forward scheme column; empty → every row has the baseline forward
  std::string bwd;                   // backward scheme column; empty → every row has the baseline backward
  std::string label;                 // label column; empty → "<file>:<line>"
  std::string fwd_default = "BF16";  // forward label used when fwd is empty
  std::string bwd_default = "BF16";  // backward label used when bwd is empty
};

enum class FilterOp { kEq, kNe, kLt, kLe, kGt, kGe };

// `column OP value` with OP one of = == != < <= > >=; < <= > >= compare numbers, = and != compare
// numbers when both sides parse as numbers and text otherwise.
struct RowFilter {
  std::string column;
  FilterOp op = FilterOp::kEq;
  std::string value;
};

// Parses "col=value", "col!=value", "col<value", ...; throws lps::Error(kUserInput) for anything else.
[[nodiscard]] RowFilter parse_row_filter(const std::string& text);

// Reads every row passing all filters. Problems (an empty file, unknown columns, rows of the wrong width,
// unparsable numbers) are reported together as `file:line:col: column: message` in one UserInputError;
// line is 1-based, col is the 1-based field number (1 for problems of a whole row or of the header).
// A file that cannot be opened is an lps::Error(kUserInput) naming it.
[[nodiscard]] std::vector<Observation> read_observations_csv(const std::filesystem::path& path,
                                                             const CsvColumns& columns,
                                                             const std::vector<RowFilter>& filters);

// Same, from a stream; `file` names it in diagnostics and default labels.
[[nodiscard]] std::vector<Observation> read_observations_csv(std::istream& in, const std::string& file,
                                                             const CsvColumns& columns,
                                                             const std::vector<RowFilter>& filters);

}  // namespace lps::analysis
