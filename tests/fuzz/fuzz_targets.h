// The fuzz targets: one function per input format, shared by the libFuzzer executables (clang, scripts/fuzz.sh)
// and by fuzz_tests, the GCC-built gtest that replays the committed corpus and every past finding.
//
// Each function feeds one input to lpsweep's parser and returns a finding — a description of a broken
// promise — or nothing. Crashes, sanitizer reports, leaks and hangs are found by the sanitizers and
// libFuzzer themselves; these functions add what only lpsweep knows: that every rejection is a
// UserInputError whose every problem names the file and a 1-based line and column, and that what is
// accepted satisfies the parser's own documented guarantees.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lps::fuzz {

// A sweep file (YAML) through load_sweep_string and, when it loads, plan::expand.
[[nodiscard]] std::optional<std::string> sweep_parser_finding(std::string_view input);

// A CSV of observations through read_observations_csv. The input's first line holds row filters separated by
// ';' (each parse_row_filter's argument, e.g. `used=1;N>1e7`), the rest is the CSV, read with the columns
// N, D, loss, fwd, bwd and label.
[[nodiscard]] std::optional<std::string> csv_importer_finding(std::string_view input);

}  // namespace lps::fuzz
