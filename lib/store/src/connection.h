// The database layer under the store, shared by both backends: a Connection (one session: statements,
// transactions retried on contention, the lease clock) and a Statement (bind by 1-based index, step, read
// columns). SQL is written once with ?N parameters; the PostgreSQL connection rewrites them to $N.
// Private to lib/store: neither sqlite3.h nor libpq-fe.h appears in a public header.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace lps::store::detail {

// Thrown inside a transaction on contention (SQLite busy/locked; PostgreSQL deadlock or serialization
// failure); the transaction helpers catch it, roll back, wait and retry. It never leaves lib/store.
struct BusySignal {
  std::string what;
};

struct BusyPolicy {
  int busy_timeout_ms = 2000;   // SQLite's own wait inside one call
  double give_up_s = 600;       // our retry loop's total budget before reporting a stuck lock
  double first_backoff_s = 0.001;
  double max_backoff_s = 0.05;
};

enum class Dialect { kSqlite, kPostgres };

// One backend statement. Values are bound by 1-based index; reset() clears the bindings and the result.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual void bind_int(int index, int64_t value) = 0;
  virtual void bind_double(int index, double value) = 0;
  virtual void bind_text(int index, std::string_view value) = 0;
  virtual void bind_null(int index) = 0;
  [[nodiscard]] virtual bool step() = 0;
  virtual void reset() = 0;
  [[nodiscard]] virtual bool is_null(int col) const = 0;
  [[nodiscard]] virtual int64_t get_int(int col) const = 0;
  [[nodiscard]] virtual double get_double(int col) const = 0;
  [[nodiscard]] virtual std::string get_text(int col) const = 0;
};

// A prepared statement; bind by 1-based index, step, read columns. Reset between uses.
class Statement {
 public:
  explicit Statement(std::unique_ptr<Cursor> cursor) : cursor_(std::move(cursor)) {}

  Statement& bind(int index, int64_t value) { cursor_->bind_int(index, value); return *this; }
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value) { cursor_->bind_double(index, value); return *this; }
  Statement& bind(int index, std::string_view value) { cursor_->bind_text(index, value); return *this; }
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Statement& bind_null(int index) { cursor_->bind_null(index); return *this; }
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  // True when a row is available; false when done.
  [[nodiscard]] bool step() { return cursor_->step(); }
  // Steps to the end (INSERT/UPDATE/DELETE).
  void run() {
    while (step()) {
    }
  }
  void reset() { cursor_->reset(); }

  [[nodiscard]] bool is_null(int col) const { return cursor_->is_null(col); }
  [[nodiscard]] int64_t get_int(int col) const { return cursor_->get_int(col); }
  [[nodiscard]] double get_double(int col) const { return cursor_->get_double(col); }
  [[nodiscard]] std::string get_text(int col) const { return cursor_->get_text(col); }
  [[nodiscard]] std::optional<double> get_opt_double(int col) const {
    return is_null(col) ? std::nullopt : std::optional<double>(get_double(col));
  }
  [[nodiscard]] std::optional<int64_t> get_opt_int(int col) const {
    return is_null(col) ? std::nullopt : std::optional<int64_t>(get_int(col));
  }
  [[nodiscard]] std::optional<std::string> get_opt_text(int col) const {
    return is_null(col) ? std::nullopt : std::optional<std::string>(get_text(col));
  }

 private:
  std::unique_ptr<Cursor> cursor_;
};

class Connection {
 public:
  virtual ~Connection() = default;
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs SQL without results (may hold several statements); throws IoError (BusySignal on contention).
  virtual void exec(std::string_view sql, std::string_view what) = 0;
  [[nodiscard]] virtual Statement prepare(std::string_view sql) const = 0;

  // A write transaction around fn, retried as a whole on contention. fn must only touch the database
  // (and its own locals, which it must reset at its start): it may run several times.
  virtual void write_txn(const std::function<void()>& fn) = 0;
  // A read-only transaction around fn (one consistent snapshot), retried on contention.
  virtual void read_txn(const std::function<void()>& fn) = 0;

  // Rows changed by the last INSERT/UPDATE/DELETE.
  [[nodiscard]] virtual int changes() const = 0;
  // The store as users name it: the SQLite file, or the PostgreSQL URL with its password redacted.
  [[nodiscard]] virtual const std::string& path() const = 0;
  [[nodiscard]] virtual Dialect dialect() const = 0;
  // The clock of leases and timestamps, in Unix seconds: the client's for SQLite (one machine), the
  // server's for PostgreSQL (workers on many machines share one clock; their skew does not matter).
  [[nodiscard]] virtual double now() = 0;
};

}  // namespace lps::store::detail
