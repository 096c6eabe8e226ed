// Store::Impl: the connection, its options and the lock that serialises calls from several threads.
#pragma once

#include <lps/store/store.h>

#include "sqlite_db.h"

#include <mutex>

namespace lps::store {

struct Store::Impl {
  Impl(const std::string& path, int flags, const StoreOptions& opts, detail::BusyPolicy policy)
      : db(path, flags, policy), options(opts) {}
  detail::Db db;
  StoreOptions options;
  int schema_version = 0;
  mutable std::mutex mu;
};

namespace detail {

// Throws LeaseLost unless the fenced attempt is the run's current one, the run is running and the lease
// is unexpired at `now`. Must run inside a write transaction.
void check_fence(Db& db, const Fence& fence, double now, const char* what);

}  // namespace detail
}  // namespace lps::store
