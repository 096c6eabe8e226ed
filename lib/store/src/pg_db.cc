#include "pg_db.h"

#include <lps/core/clock.h>
#include <lps/core/error.h>
#include <lps/store/store_url.h>

#include <fmt/format.h>

#ifdef LPS_HAVE_LIBPQ
#include <libpq-fe.h>
#endif

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

namespace lps::store::detail {

std::string postgres_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?' && i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      out += '$';
    } else {
      out += c;
    }
  }
  return out;
}

#ifndef LPS_HAVE_LIBPQ

std::unique_ptr<Connection> connect_postgres(const std::string& url, BusyPolicy) {
  throw IoError(fmt::format("store {}: this lpsweep was built without PostgreSQL support; install libpq-dev "
                            "(scripts/setup.sh) and rebuild, or use a SQLite store",
                            redact_store_url(url)));
}

#else

namespace {

// PostgreSQL type OIDs of the parameters we send (pg_type.h).
constexpr Oid kInt8 = 20;
constexpr Oid kFloat8 = 701;
constexpr Oid kText = 25;

bool is_contention(const char* sqlstate) {
  if (sqlstate == nullptr) return false;
  const std::string_view s(sqlstate);
  return s == "40001" || s == "40P01" || s == "55P03";  // serialization failure, deadlock, lock not available
}

void ignore_notice(void*, const char*) {}

class PgDb;

class PgCursor final : public Cursor {
 public:
  PgCursor(const PgDb& db, std::string sql) : db_(&db), sql_(std::move(sql)) {}
  ~PgCursor() override { PQclear(result_); }
  PgCursor(const PgCursor&) = delete;
  PgCursor& operator=(const PgCursor&) = delete;

  void bind_int(int index, int64_t value) override { set(index, fmt::format("{}", value), kInt8); }
  void bind_double(int index, double value) override { set(index, fmt::format("{}", value), kFloat8); }
  void bind_text(int index, std::string_view value) override { set(index, std::string(value), kText); }
  void bind_null(int index) override {
    slot(index);
    values_[static_cast<size_t>(index - 1)].reset();
    types_[static_cast<size_t>(index - 1)] = 0;
  }
  bool step() override;
  void reset() override {
    PQclear(result_);
    result_ = nullptr;
    row_ = -1;
    values_.clear();
    types_.clear();
  }
  bool is_null(int col) const override { return PQgetisnull(result_, row_, col) != 0; }
  int64_t get_int(int col) const override { return std::strtoll(PQgetvalue(result_, row_, col), nullptr, 10); }
  double get_double(int col) const override { return std::strtod(PQgetvalue(result_, row_, col), nullptr); }
  std::string get_text(int col) const override {
    return std::string(PQgetvalue(result_, row_, col), static_cast<size_t>(PQgetlength(result_, row_, col)));
  }

 private:
  void slot(int index) {
    const auto n = static_cast<size_t>(index);
    if (values_.size() < n) {
      values_.resize(n);
      types_.resize(n, 0);
    }
  }
  void set(int index, std::string value, Oid type) {
    slot(index);
    values_[static_cast<size_t>(index - 1)] = std::move(value);
    types_[static_cast<size_t>(index - 1)] = type;
  }

  const PgDb* db_;
  std::string sql_;
  std::vector<std::optional<std::string>> values_;
  std::vector<Oid> types_;
  PGresult* result_ = nullptr;
  int row_ = -1;
};

constexpr const char* kServerTime = "SELECT extract(epoch FROM clock_timestamp())::float8";

class PgDb final : public Connection {
 public:
  PgDb(const std::string& url, BusyPolicy policy) : url_(url), shown_(redact_store_url(url)), policy_(policy) {
    connect();
  }
  ~PgDb() override { PQfinish(conn_); }

  void exec(std::string_view sql, std::string_view what) override {
    PGresult* r = PQexec(conn_, std::string(sql).c_str());
    finish(r, what);
    PQclear(r);
  }
  Statement prepare(std::string_view sql) const override {
    return Statement(std::make_unique<PgCursor>(*this, postgres_placeholders(sql)));
  }
  void write_txn(const std::function<void()>& fn) override { run_txn("BEGIN", fn); }
  void read_txn(const std::function<void()>& fn) override {
    run_txn("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", fn);
  }
  int changes() const override { return changes_; }
  const std::string& path() const override { return shown_; }
  Dialect dialect() const override { return Dialect::kPostgres; }
  // Inside a transaction: the server's time when it began (read with BEGIN, no extra round trip).
  double now() override {
    if (txn_now_) return *txn_now_;
    auto st = prepare(kServerTime);
    if (!st.step()) throw IoError(fmt::format("store {}: the server did not tell its time", shown_));
    return st.get_double(0);
  }

  // Runs one statement with text parameters; returns the result (caller clears) or throws.
  PGresult* execute(const std::string& sql, const std::vector<std::optional<std::string>>& values,
                    const std::vector<Oid>& types) const {
    std::vector<const char*> ptrs(values.size());
    for (size_t i = 0; i < values.size(); ++i) ptrs[i] = values[i] ? values[i]->c_str() : nullptr;
    PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), types.data(), ptrs.data(),
                               nullptr, nullptr, 0);
    finish(r, fmt::format("running `{}`", sql));
    return r;
  }

 private:
  // Throws (after clearing r) unless r succeeded; records the changed-row count.
  void finish(PGresult* r, std::string_view what) const {
    const ExecStatusType status = r == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      const char* n = PQcmdTuples(r);
      changes_ = (n != nullptr && *n != '\0') ? std::atoi(n) : 0;
      return;
    }
    const char* state = r == nullptr ? nullptr : PQresultErrorField(r, PG_DIAG_SQLSTATE);
    std::string message = r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
    while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) message.pop_back();
    const bool contention = is_contention(state);
    const std::string sqlstate = state != nullptr ? state : "none";
    PQclear(r);
    if (PQstatus(conn_) != CONNECTION_OK) {
      throw IoError(fmt::format("store {}: {}: lost the connection to the PostgreSQL server at {}: {}; the next "
                                "call reconnects",
                                shown_, what, server(), message));
    }
    const std::string text = fmt::format("store {}: {}: {} (SQLSTATE {})", shown_, what, message, sqlstate);
    if (contention) throw BusySignal{text};
    throw IoError(text);
  }

  [[nodiscard]] std::string server() const {
    const char* host = PQhost(conn_);
    const char* port = PQport(conn_);
    std::string h = host != nullptr && *host != '\0' ? host : "localhost";
    if (!h.empty() && h.front() == '/') h = "socket " + h;
    return fmt::format("{}:{}", h, port != nullptr && *port != '\0' ? port : "5432");
  }

  void connect() {
    const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
    const char* vals[] = {"10", "lpsweep", url_.c_str(), nullptr};
    conn_ = PQconnectdbParams(keys, vals, /*expand_dbname=*/1);
    if (conn_ == nullptr) throw IoError(fmt::format("store {}: libpq could not allocate a connection", shown_));
    if (PQstatus(conn_) != CONNECTION_OK) throw_connect_error();
    PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
  }

  [[noreturn]] void throw_connect_error() {
    std::string message = PQerrorMessage(conn_);
    while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) message.pop_back();
    const std::string where = server();
    const char* user = PQuser(conn_);
    const char* db = PQdb(conn_);
    const std::string u = user != nullptr ? user : "";
    const std::string d = db != nullptr ? db : "";
    std::string text;
    if (message.find("does not exist") != std::string::npos && message.find("database") != std::string::npos) {
      text = fmt::format(
          "store {}: the PostgreSQL server at {} has no database \"{}\" ({}). Create it first: createdb -h HOST "
          "-p PORT -U {} {} (or CREATE DATABASE {} as a superuser); lpsweep creates its tables itself",
          shown_, where, d, message, u, d, d);
    } else if (message.find("authentication failed") != std::string::npos ||
               message.find("no password supplied") != std::string::npos ||
               message.find("password") != std::string::npos || message.find("pg_hba.conf") != std::string::npos) {
      text = fmt::format(
          "store {}: the PostgreSQL server at {} refused user \"{}\" ({}). Check the user and password (prefer "
          "~/.pgpass or PGPASSWORD to a password in the URL) and the server's pg_hba.conf",
          shown_, where, u, message);
    } else {
      text = fmt::format(
          "store {}: cannot reach the PostgreSQL server at {} ({}). Is it running and listening there? Start "
          "it (scripts/pg/start.sh starts a throwaway local one), or fix the host and port in the store URL",
          shown_, where, message);
    }
    PQfinish(conn_);
    conn_ = nullptr;
    throw IoError(text);
  }

  void ensure_connected() {
    if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) return;
    if (conn_ != nullptr) {
      PQreset(conn_);
      if (PQstatus(conn_) == CONNECTION_OK) return;
      PQfinish(conn_);
      conn_ = nullptr;
    }
    connect();
  }

  // BEGIN and the server's clock in one round trip (a multi-statement simple query returns the last result).
  void begin(const char* begin_sql) {
    txn_now_.reset();
    PGresult* r = PQexec(conn_, fmt::format("{}; {}", begin_sql, kServerTime).c_str());
    finish(r, "starting a transaction");
    if (PQntuples(r) != 1) {
      PQclear(r);
      throw IoError(fmt::format("store {}: the server did not tell its time", shown_));
    }
    txn_now_ = std::strtod(PQgetvalue(r, 0, 0), nullptr);
    PQclear(r);
  }

  void rollback_if_open() {
    if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) != PQTRANS_IDLE) {
      PQclear(PQexec(conn_, "ROLLBACK"));
    }
  }

  void run_txn(const char* begin_sql, const std::function<void()>& fn) {
    const Stopwatch clock;
    double backoff = policy_.first_backoff_s;
    thread_local std::mt19937_64 rng{std::random_device{}()};
    bool reconnected = false;
    for (int tries = 1;; ++tries) {
      try {
        ensure_connected();
        try {
          begin(begin_sql);
        } catch (const IoError&) {
          // The server closed an idle session (restart, failover, idle timeout): reconnect once and retry.
          if (reconnected || PQstatus(conn_) == CONNECTION_OK) throw;
          reconnected = true;
          continue;
        }
        try {
          fn();
          txn_now_.reset();
          exec("COMMIT", "committing");
          return;
        } catch (...) {
          txn_now_.reset();
          rollback_if_open();
          throw;
        }
      } catch (const BusySignal& busy) {
        if (clock.seconds() > policy_.give_up_s) {
          throw IoError(fmt::format("{} — still contended after {:.0f} s over {} tries", busy.what, clock.seconds(),
                                    tries));
        }
        std::uniform_real_distribution<double> jitter(0.0, backoff);
        std::this_thread::sleep_for(std::chrono::duration<double>(jitter(rng)));
        backoff = std::min(backoff * 2, policy_.max_backoff_s);
      }
    }
  }

  PGconn* conn_ = nullptr;
  std::string url_;
  std::string shown_;
  BusyPolicy policy_;
  mutable int changes_ = 0;
  std::optional<double> txn_now_;  // the server's time at BEGIN, while a transaction runs
};

bool PgCursor::step() {
  if (result_ == nullptr) {
    result_ = db_->execute(sql_, values_, types_);
    row_ = -1;
  }
  ++row_;
  return row_ < PQntuples(result_);
}

}  // namespace

std::unique_ptr<Connection> connect_postgres(const std::string& url, BusyPolicy policy) {
  return std::make_unique<PgDb>(url, policy);
}

#endif

}  // namespace lps::store::detail
