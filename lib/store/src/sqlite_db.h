// A thin RAII layer over sqlite3: one connection (Db), prepared statements (Statement), and write/read
// transactions that retry SQLITE_BUSY with exponential backoff so that lock contention never reaches a user.
// Every sqlite3 call goes through check(), which adds sqlite3_errmsg and what was being done.
// Private to lib/store: sqlite3.h never appears in a public header.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace lps::store::detail {

// Thrown inside a transaction when SQLite reports SQLITE_BUSY/SQLITE_LOCKED; the transaction helpers catch
// it, roll back, wait and retry. It never leaves lib/store.
struct BusySignal {
  std::string what;
};

struct BusyPolicy {
  int busy_timeout_ms = 2000;   // SQLite's own wait inside one call
  double give_up_s = 600;       // our retry loop's total budget before reporting a stuck lock
  double first_backoff_s = 0.001;
  double max_backoff_s = 0.05;
};

class Statement;

class Db {
 public:
  // Opens (flags as for sqlite3_open_v2) and configures the connection; throws IoError with the path.
  Db(const std::string& path, int flags, BusyPolicy policy);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs SQL without results (may hold several statements); throws on error (BusySignal when busy).
  void exec(std::string_view sql, std::string_view what);
  [[nodiscard]] Statement prepare(std::string_view sql) const;

  // BEGIN IMMEDIATE ... COMMIT around fn, retried as a whole on busy. fn must only touch the database
  // (and its own locals, which it must reset at its start): it may run several times.
  void write_txn(const std::function<void()>& fn);
  // BEGIN (deferred, read-only use) ... COMMIT around fn, retried on busy; a consistent snapshot.
  void read_txn(const std::function<void()>& fn);

  [[nodiscard]] int64_t last_insert_rowid() const;
  [[nodiscard]] int changes() const;
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] sqlite3* raw() const { return db_; }

  // Throws BusySignal for busy/locked codes, else IoError "store PATH: what: sqlite message (code)".
  void check(int rc, std::string_view what) const;

 private:
  void run_txn(const char* begin_sql, const std::function<void()>& fn);

  sqlite3* db_ = nullptr;
  std::string path_;
  BusyPolicy policy_;
};

// A prepared statement; bind by 1-based index, step, read columns. Reset between uses.
class Statement {
 public:
  Statement(const Db& db, sqlite3_stmt* stmt, std::string sql) : db_(&db), stmt_(stmt), sql_(std::move(sql)) {}
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Statement& bind_null(int index);
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  // True when a row is available; false when done.
  [[nodiscard]] bool step();
  // Steps once, expecting no row (INSERT/UPDATE/DELETE).
  void run();
  void reset();

  [[nodiscard]] bool is_null(int col) const;
  [[nodiscard]] int64_t get_int(int col) const;
  [[nodiscard]] double get_double(int col) const;
  [[nodiscard]] std::string get_text(int col) const;
  [[nodiscard]] std::optional<double> get_opt_double(int col) const;
  [[nodiscard]] std::optional<int64_t> get_opt_int(int col) const;
  [[nodiscard]] std::optional<std::string> get_opt_text(int col) const;

 private:
  const Db* db_;
  sqlite3_stmt* stmt_;
  std::string sql_;
};

}  // namespace lps::store::detail
