// Helpers for the hostile-input tests: a private temporary folder, the lpsweep binary run through the shell
// with its arguments quoted, and small file utilities.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "test_support.h"

namespace lps::security {

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            fmt::format("lps-security-{}-{}-{}", info ? info->name() : "x", ::getpid(), counter++);
    remove_tree();
    std::filesystem::create_directories(path_ / "sweep");
  }
  ~TempDir() { remove_tree(); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // The folder the sweep file lives in; its parent is the temporary root (the "outside").
  [[nodiscard]] std::filesystem::path sweep_dir() const { return path_ / "sweep"; }
  [[nodiscard]] const std::filesystem::path& root() const { return path_; }

 private:
  // rm -rf, not std::filesystem::remove_all: libtorch.so exports its own remove_all, which crashes (null call)
  // in the tests that link LibTorch (see tests/train/kill_resume_test.cc).
  void remove_tree() const { (void)!std::system(("rm -rf '" + path_.string() + "'").c_str()); }

  std::filesystem::path path_;
};

// 'text' for /bin/sh, whatever it holds (quotes, $, `, ;, newlines).
inline std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

#ifdef LPS_CLI_PATH
// lpsweep with the given (already quoted) arguments; stdout and stderr together.
inline test::CommandResult cli(const std::string& args) {
  return test::run_command(std::string(LPS_CLI_PATH) + " " + args);
}
#endif

inline std::string write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Permission bits of a file (e.g. 0600), or -1 when it does not exist.
inline int mode_of(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 0777);
}

// A YAML double-quoted scalar holding `text` exactly (", \ and control characters escaped).
inline std::string yaml_quote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// Synthetic-data sweep of one tiny model that the test-double executor finishes in well under a second.
inline std::string tiny_sweep_body() {
  return R"(data:
  kind: synthetic
  vocab: 256
tokens: [75K]
train:
  batch_seqs: 8
  lr: 3e-3
retry:
  max_attempts: 1
  backoff_s: 0
)";
}

}  // namespace lps::security
