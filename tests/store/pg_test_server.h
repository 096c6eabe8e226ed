// The PostgreSQL server the store and runner tests use, and a fresh, empty store location per test.
//
// Where the server comes from, first match wins:
//   LPS_TEST_PG_URL          a server you run (the tests create and drop schemas lps_t_* in its database);
//   LPS_TEST_PG_URL_FILE     the url file of the ctest fixture pg_server (scripts/pg/start.sh, once per ctest);
//   otherwise                this test process starts its own throwaway server with scripts/pg/start.sh and
//                            stops it at exit (running a test binary by hand).
// Without PostgreSQL's binaries (and no URL given) the PostgreSQL variants skip, saying so.
#pragma once

#include <libpq-fe.h>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace lps::store::test {

struct PgServer {
  std::string url;          // the server's store database; empty when unavailable
  std::string skip_reason;  // why, when url is empty
};

namespace pg_detail {

inline std::string read_first_line(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

// A server this process started; stopped when the process exits normally.
struct OwnServer {
  std::string state;
  ~OwnServer() {
    if (!state.empty()) {
      const std::string cmd = fmt::format("bash '{}/scripts/pg/stop.sh' '{}' >/dev/null 2>&1", LPS_SOURCE_DIR, state);
      [[maybe_unused]] const int rc = std::system(cmd.c_str());
      std::filesystem::remove_all(state);
    }
  }
};

inline PgServer resolve() {
  if (const char* url = std::getenv("LPS_TEST_PG_URL"); url != nullptr && *url != '\0') return {url, ""};
  if (const char* file = std::getenv("LPS_TEST_PG_URL_FILE"); file != nullptr && *file != '\0') {
    if (std::filesystem::exists(file)) return {read_first_line(file), ""};
  }
  static OwnServer own;
  own.state = (std::filesystem::temp_directory_path() / fmt::format("lps-pg-state-{}", ::getpid())).string();
  const std::string cmd = fmt::format("bash '{}/scripts/pg/start.sh' '{}' >'{}.log' 2>&1", LPS_SOURCE_DIR,
                                      own.state, own.state);
  const int rc = std::system(cmd.c_str());
  const std::string url_file = own.state + "/url";
  if (rc == 0 && std::filesystem::exists(url_file)) return {read_first_line(url_file), ""};
  const std::string log = read_first_line(own.state + ".log");
  if (rc == 0) {
    return {"", "no PostgreSQL server binaries (apt install postgresql; CI installs them): " + log};
  }
  return {"", "scripts/pg/start.sh failed: " + log};
}

// Runs one SQL command on the server; returns libpq's error ("" on success).
inline std::string exec(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* r = PQexec(conn, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) error = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(conn);
  return error;
}

}  // namespace pg_detail

inline const PgServer& pg_server() {
  static const PgServer server = pg_detail::resolve();
  return server;
}

// The URL with a libpq parameter appended (?key=value or &key=value).
inline std::string with_param(const std::string& url, const std::string& param) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
}

// A fresh, empty schema on the test server, dropped when this object goes: url() is a store URL whose
// search_path is that schema, so each test starts from an empty store.
class PgSchema {
 public:
  PgSchema() {
    static std::atomic<int> counter{0};
    name_ = fmt::format("lps_t_{}_{}", ::getpid(), counter++);
    const auto& server = pg_server();
    if (server.url.empty()) return;
    const std::string error = pg_detail::exec(server.url, fmt::format("DROP SCHEMA IF EXISTS {0} CASCADE; CREATE SCHEMA {0}", name_));
    if (!error.empty()) {
      ADD_FAILURE() << "cannot create schema " << name_ << " on the test server: " << error;
      return;
    }
    url_ = with_param(server.url, "options=-csearch_path%3D" + name_);
  }
  ~PgSchema() {
    if (!url_.empty()) (void)pg_detail::exec(pg_server().url, fmt::format("DROP SCHEMA IF EXISTS {} CASCADE", name_));
  }
  PgSchema(const PgSchema&) = delete;
  PgSchema& operator=(const PgSchema&) = delete;
  [[nodiscard]] const std::string& url() const { return url_; }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string url_;
};

}  // namespace lps::store::test
