#include "sqlite_db.h"

#include <lps/core/clock.h>
#include <lps/core/error.h>
#include <lps/core/fault_injection.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

namespace lps::store::detail {
namespace {

bool is_busy(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

// SQLITE_FULL (the disk or quota is full) is DiskFullError, so writers that can wait retry later
// (docs/RELIABILITY.md); the transaction was rolled back, the file stays consistent.
bool is_full(int rc) { return (rc & 0xff) == SQLITE_FULL; }

}  // namespace

Db::Db(const std::string& path, int flags, BusyPolicy policy) : path_(path), policy_(policy) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw IoError(fmt::format("store {}: cannot open: {} (sqlite code {})", path, message, rc));
  }
  sqlite3_extended_result_codes(db_, 1);
  check(sqlite3_busy_timeout(db_, policy_.busy_timeout_ms), "setting the busy timeout");
}

Db::~Db() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

void Db::check(int rc, std::string_view what) const {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  const std::string message = fmt::format("store {}: {}: {} (sqlite code {})", path_, what, sqlite3_errmsg(db_), rc);
  if (is_busy(rc)) throw BusySignal{message};
  if (is_full(rc)) throw DiskFullError(message);
  throw IoError(message);
}

void Db::exec(std::string_view sql, std::string_view what) {
  char* err = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    const std::string message = fmt::format("store {}: {}: {} (sqlite code {})", path_, what,
                                            err != nullptr ? err : sqlite3_errstr(rc), rc);
    sqlite3_free(err);
    if (is_busy(rc)) throw BusySignal{message};
    if (is_full(rc)) throw DiskFullError(message);
    throw IoError(message);
  }
}

namespace {

class SqliteCursor final : public Cursor {
 public:
  SqliteCursor(const Db& db, sqlite3_stmt* stmt, std::string sql) : db_(&db), stmt_(stmt), sql_(std::move(sql)) {}
  ~SqliteCursor() override { sqlite3_finalize(stmt_); }
  SqliteCursor(const SqliteCursor&) = delete;
  SqliteCursor& operator=(const SqliteCursor&) = delete;

  void bind_int(int index, int64_t value) override { checked(sqlite3_bind_int64(stmt_, index, value), index); }
  void bind_double(int index, double value) override { checked(sqlite3_bind_double(stmt_, index, value), index); }
  void bind_text(int index, std::string_view value) override {
    checked(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT), index);
  }
  void bind_null(int index) override { checked(sqlite3_bind_null(stmt_, index), index); }

  bool step() override {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_->check(rc, fmt::format("running `{}`", sql_));
    return false;
  }
  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  bool is_null(int col) const override { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t get_int(int col) const override { return sqlite3_column_int64(stmt_, col); }
  double get_double(int col) const override { return sqlite3_column_double(stmt_, col); }
  std::string get_text(int col) const override {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
  }

 private:
  void checked(int rc, int index) const { db_->check(rc, fmt::format("binding #{} of `{}`", index, sql_)); }

  const Db* db_;
  sqlite3_stmt* stmt_;
  std::string sql_;
};

}  // namespace

Statement Db::prepare(std::string_view sql) const {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  check(rc, fmt::format("preparing `{}`", sql));
  return Statement(std::make_unique<SqliteCursor>(*this, stmt, std::string(sql)));
}

void Db::run_txn(const char* begin_sql, const std::function<void()>& fn) {
  const Stopwatch clock;
  double backoff = policy_.first_backoff_s;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  for (int tries = 1;; ++tries) {
    try {
      exec(begin_sql, "starting a transaction");
      try {
        fn();
        exec("COMMIT", "committing");
        return;
      } catch (...) {
        if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    } catch (const BusySignal& busy) {
      if (clock.seconds() > policy_.give_up_s) {
        throw IoError(fmt::format(
            "{} — the store stayed locked for {:.0f} s over {} tries; another process holds its write lock "
            "(a stuck lpsweep or sqlite3 shell?)",
            busy.what, clock.seconds(), tries));
      }
      // Full jitter: spread the retries of many workers over the backoff window.
      std::uniform_real_distribution<double> jitter(0.0, backoff);
      std::this_thread::sleep_for(std::chrono::duration<double>(jitter(rng)));
      backoff = std::min(backoff * 2, policy_.max_backoff_s);
    }
  }
}

void Db::write_txn(const std::function<void()>& fn) { run_txn("BEGIN IMMEDIATE", fn); }
void Db::read_txn(const std::function<void()>& fn) { run_txn("BEGIN", fn); }

int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }

double Db::now() { return unix_time_now(); }

}  // namespace lps::store::detail
