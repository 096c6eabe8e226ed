// Sweeps for plan tests, loaded from YAML text placed in tests/plan/.
#pragma once

#include <lps/config/load_sweep.h>

#include <filesystem>
#include <string>

namespace lps::test {

inline config::SweepSpec sweep_from(const std::string& yaml) {
  return config::load_sweep_string(
      yaml, (std::filesystem::path(LPS_SOURCE_DIR) / "tests/plan/inline.yaml").string());
}

}  // namespace lps::test
