// Helpers for sweep-file tests: load YAML text or a file and get the problems back as strings.
#pragma once

#include <lps/config/load_sweep.h>
#include <lps/core/diagnostic.h>

#include <filesystem>
#include <string>
#include <vector>

namespace lps::test {

inline std::filesystem::path config_test_dir() {
  return std::filesystem::path(LPS_SOURCE_DIR) / "tests/config";
}

// Each problem as "line:col: key.path: message" (the file name left out), in report order; empty when the
// sweep loads.
inline std::vector<std::string> problems_of_string(const std::string& yaml, const std::string& file,
                                                   const config::LoadOptions& options = {}) {
  try {
    (void)config::load_sweep_string(yaml, file, options);
  } catch (const UserInputError& e) {
    std::vector<std::string> out;
    for (const Diagnostic& d : e.problems()) {
      std::string text;
      if (d.line > 0) text += std::to_string(d.line) + ":" + std::to_string(d.col) + ": ";
      if (!d.key_path.empty()) text += d.key_path + ": ";
      out.push_back(text + d.message);
    }
    return out;
  }
  return {};
}

// Sweep text placed (virtually) in tests/config/, so relative data paths find tests/config/data/.
inline std::vector<std::string> problems_of(const std::string& yaml) {
  return problems_of_string(yaml, (config_test_dir() / "inline.yaml").string());
}

}  // namespace lps::test
