// Shared helpers for the store tests: a fresh temporary folder per test and tiny submissions.
#pragma once

#include <lps/core/sha256.h>
#include <lps/store/store.h>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace lps::store::test {

class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            fmt::format("lps-store-{}-{}-{}", info ? info->name() : "x", ::getpid(), counter()++);
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path path_;
};

inline RunToSubmit make_run(int i, int max_attempts = 3, double backoff_s = 0) {
  RunToSubmit r;
  r.key = sha256_hex(fmt::format("run {}", i));
  r.label = fmt::format("run-{}", i);
  r.n_params = 1000 * (i + 1);
  r.tokens = 20000 * (i + 1);
  r.scheme = i % 2 == 0 ? "bf16" : "quartet";
  r.spec_json = fmt::format("{{\"i\":{}}}", i);
  r.max_attempts = max_attempts;
  r.backoff_s = backoff_s;
  return r;
}

inline std::vector<RunToSubmit> make_runs(int n, int max_attempts = 3, double backoff_s = 0) {
  std::vector<RunToSubmit> runs;
  for (int i = 0; i < n; ++i) runs.push_back(make_run(i, max_attempts, backoff_s));
  return runs;
}

inline SweepRecord make_sweep(const std::string& name = "s") { return {name, "/tmp/out", "sweep.yaml"}; }

}  // namespace lps::store::test
