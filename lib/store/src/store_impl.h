// Store::Impl: the connection (SQLite or PostgreSQL), its options and the lock that serialises calls from
// several threads.
#pragma once

#include <lps/store/store.h>

#include "connection.h"

#include <memory>
#include <mutex>

namespace lps::store {

struct Store::Impl {
  Impl(std::unique_ptr<detail::Connection> connection, const StoreOptions& opts)
      : conn(std::move(connection)), db(*conn), options(opts) {}
  std::unique_ptr<detail::Connection> conn;
  detail::Connection& db;
  StoreOptions options;
  int schema_version = 0;
  mutable std::mutex mu;
};

namespace detail {

// The retry fields of a fenced run, read by the fence check (finish needs them; no second query).
struct FencedRun {
  int failures = 0;
  int max_attempts = 0;
  double backoff_s = 0;
};

// Throws LeaseLost unless the fenced attempt is the run's current one, the run is running and the lease
// is unexpired at `now`. Must run inside a write transaction; on PostgreSQL it locks the run's row.
FencedRun check_fence(Connection& db, const Fence& fence, double now, const char* what);

// " FOR UPDATE" on PostgreSQL (row locks inside READ COMMITTED transactions); nothing on SQLite, whose
// write transactions hold the whole database.
[[nodiscard]] inline const char* for_update(const Connection& db) {
  return db.dialect() == Dialect::kPostgres ? " FOR UPDATE" : "";
}

}  // namespace detail
}  // namespace lps::store
