// Helpers shared by the tests: where the published fixtures are, and running a command.
#pragma once

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace lps::test {

// ../shared/fixtures beside the checkout, or $LPS_FIXTURES_DIR. Tests that need it GTEST_SKIP when absent.
inline std::filesystem::path fixtures_dir() {
  if (const char* env = std::getenv("LPS_FIXTURES_DIR"); env != nullptr && *env != '\0') return env;
  return LPS_FIXTURES_DIR;
}

inline std::filesystem::path source_dir() { return LPS_SOURCE_DIR; }

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` through /bin/sh with stderr folded into stdout.
inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace lps::test
