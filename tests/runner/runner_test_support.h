// Helpers for the runner tests: a temporary folder, a store with N test-double runs, and reading results.
#pragma once

#include <lps/core/sha256.h>
#include <lps/store/store.h>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace lps::runner::test {

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            fmt::format("lps-runner-{}-{}-{}", info ? info->name() : "x", ::getpid(), counter++);
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs with hash-like keys; `labels` (optional) replace the default "run-i" labels.
inline std::vector<store::RunToSubmit> double_runs(int n, int max_attempts = 3, double backoff_s = 0,
                                                   const std::vector<std::string>& labels = {}) {
  std::vector<store::RunToSubmit> runs;
  for (int i = 0; i < n; ++i) {
    store::RunToSubmit r;
    r.key = sha256_hex(fmt::format("double run {}", i));
    r.label = i < static_cast<int>(labels.size()) ? labels[i] : fmt::format("run-{}", i);
    r.n_params = 1000;
    r.tokens = 4000;
    r.scheme = "bf16";
    r.spec_json = "{}";
    r.max_attempts = max_attempts;
    r.backoff_s = backoff_s;
    runs.push_back(std::move(r));
  }
  return runs;
}

inline store::SweepRecord double_sweep(const TempDir& dir) { return {"stress", dir.file("out"), ""}; }

}  // namespace lps::runner::test
