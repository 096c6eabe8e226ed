// The PostgreSQL backend of the store's database layer (connection.h), over libpq: one session per PgDb,
// statements sent with typed text parameters (the store's ?N placeholders become $N), transactions at READ
// COMMITTED with row locks where the queue needs them (claims use FOR UPDATE SKIP LOCKED), retried as a
// whole on deadlock or serialization failure. The session is re-established at the next transaction after
// the server went away. Private to lib/store: libpq-fe.h never appears in a public header.
#pragma once

#include "connection.h"

#include <memory>
#include <string>

namespace lps::store::detail {

// Connects to `url` (postgresql:// or postgres://); throws IoError saying whether the server is unreachable
// (host:port and what to do), refused the user, or lacks the database. Throws IoError naming the missing
// support when lpsweep was built without libpq.
[[nodiscard]] std::unique_ptr<Connection> connect_postgres(const std::string& url, BusyPolicy policy);

// ?N → $N outside quoted literals (exposed for tests).
[[nodiscard]] std::string postgres_placeholders(std::string_view sql);

}  // namespace lps::store::detail
