// Reading a sweep file: YAML -> validated SweepSpec, or one lps::UserInputError listing every problem.
//
// Each problem prints as `file:line:col: key.path: message` (1-based, from the YAML parser's marks), e.g.
//   sweeps/x.yaml:7:5: schemes[1].fwd_x.format: unknown format 'mxfp5' (did you mean 'mxfp4'?)
// YAML syntax errors are reported the same way. Inputs larger than LoadOptions::max_bytes or nested
// deeper than LoadOptions::max_depth are refused before anything else is looked at.
#pragma once

#include <lps/config/sweep_spec.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace lps::config {

struct LoadOptions {
  size_t max_bytes = 1 << 20;    // sweep files are small; a larger file is refused
  int max_depth = 32;            // nesting of YAML collections; sweeps need 4
  bool check_data_paths = true;  // data paths/globs (and a tokenizer model) must match readable files;
                                 // false validates a sweep on a machine that does not hold its data
};

// Reads and validates `path`. Relative paths inside the file are resolved against the file's folder.
// Throws lps::UserInputError (all problems at once) or lps::IoError when the file cannot be read.
[[nodiscard]] SweepSpec load_sweep_file(const std::string& path, const LoadOptions& options = {});

// Same, for YAML text; `filename` names it in diagnostics and its folder resolves relative paths
// (relative to the current directory when it has none).
[[nodiscard]] SweepSpec load_sweep_string(std::string_view yaml, const std::string& filename,
                                          const LoadOptions& options = {});

}  // namespace lps::config
