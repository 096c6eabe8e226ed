// Shared helpers for the store tests: a fresh temporary folder per test, tiny submissions, and the backend
// parameter that runs a suite on SQLite and on PostgreSQL (pg_test_server.h).
#pragma once

#include <lps/core/sha256.h>
#include <lps/store/store.h>

#ifdef LPS_TEST_HAVE_LIBPQ
#include "store/pg_test_server.h"
#endif

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
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

enum class Backend { kSqlite, kPostgres };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "sqlite" : "postgres";
}

// Why the PostgreSQL variant cannot run here ("" when it can).
inline std::string postgres_skip_reason() {
#ifdef LPS_TEST_HAVE_LIBPQ
  return pg_server().skip_reason;
#else
  return "this build has no libpq (apt install libpq-dev and reconfigure)";
#endif
}

// A fresh, empty store location of the test's backend: file(name) is a SQLite file in a temporary folder,
// or the URL of a fresh PostgreSQL schema (the same URL whatever the name).
class StoreDir {
 public:
  explicit StoreDir(Backend backend) : backend_(backend) {
#ifdef LPS_TEST_HAVE_LIBPQ
    if (backend == Backend::kPostgres) schema_ = std::make_unique<PgSchema>();
#endif
  }
  [[nodiscard]] std::string file(const std::string& name) const {
#ifdef LPS_TEST_HAVE_LIBPQ
    if (backend_ == Backend::kPostgres) return schema_->url();
#endif
    return dir_.file(name);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return dir_.path(); }

 private:
  Backend backend_;
  TempDir dir_;
#ifdef LPS_TEST_HAVE_LIBPQ
  std::unique_ptr<PgSchema> schema_;
#endif
};

// Base of the suites that run on both backends; the PostgreSQL variant skips (with the reason) only when
// no server can be had.
class BackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      if (const auto why = postgres_skip_reason(); !why.empty()) GTEST_SKIP() << "PostgreSQL: " << why;
    }
  }
};

}  // namespace lps::store::test

// Runs the TEST_P suites of `Suite` (a subclass of BackendTest) on SQLite and PostgreSQL.
#define LPS_ON_BOTH_BACKENDS(Suite)                                                                            \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite,                                                                  \
                           ::testing::Values(::lps::store::test::Backend::kSqlite,                          \
                                             ::lps::store::test::Backend::kPostgres),                       \
                           ::lps::store::test::backend_name)
