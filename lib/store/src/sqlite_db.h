// The SQLite backend of the store's database layer (connection.h): one connection (Db), its statements, and
// write/read transactions that retry SQLITE_BUSY with exponential backoff so that lock contention never
// reaches a user. Every sqlite3 call goes through check(), which adds sqlite3_errmsg and what was being done.
// Private to lib/store: sqlite3.h never appears in a public header.
#pragma once

#include "connection.h"

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace lps::store::detail {

class Db final : public Connection {
 public:
  // Opens (flags as for sqlite3_open_v2) and configures the connection; throws IoError with the path.
  Db(const std::string& path, int flags, BusyPolicy policy);
  ~Db() override;

  void exec(std::string_view sql, std::string_view what) override;
  [[nodiscard]] Statement prepare(std::string_view sql) const override;

  // BEGIN IMMEDIATE ... COMMIT around fn, retried as a whole on busy.
  void write_txn(const std::function<void()>& fn) override;
  // BEGIN (deferred, read-only use) ... COMMIT around fn, retried on busy; a consistent snapshot.
  void read_txn(const std::function<void()>& fn) override;

  [[nodiscard]] int64_t last_insert_rowid() const;
  [[nodiscard]] int changes() const override;
  [[nodiscard]] const std::string& path() const override { return path_; }
  [[nodiscard]] Dialect dialect() const override { return Dialect::kSqlite; }
  [[nodiscard]] double now() override;
  [[nodiscard]] sqlite3* raw() const { return db_; }

  // Throws BusySignal for busy/locked codes, else IoError "store PATH: what: sqlite message (code)".
  void check(int rc, std::string_view what) const;

 private:
  void run_txn(const char* begin_sql, const std::function<void()>& fn);

  sqlite3* db_ = nullptr;
  std::string path_;
  BusyPolicy policy_;
};

}  // namespace lps::store::detail
