// The store's schema as an ordered list of migrations. Version n is reached by applying migrations 1..n;
// schema_version holds the version of the file. A file newer than this build is refused, never touched.
#pragma once

#include "connection.h"

namespace lps::store::detail {

// Brings the database (SQLite or PostgreSQL: the same version numbers, each backend its own DDL) to `target` (≤ kSchemaVersion) in one transaction; returns the version it now has.
// Throws IoError for a newer version or a database that is not an lpsweep store.
int migrate(Connection& db, int target);

// The version recorded in the file (0 for an empty database); throws for a foreign database.
[[nodiscard]] int read_schema_version(Connection& db);

}  // namespace lps::store::detail

namespace lps::store::detail {

// The queue's invariants checked by SQL (PostgreSQL's integrity_check; its storage checks are the
// server's business): "ok", or one line per violation.
[[nodiscard]] std::string postgres_consistency_problems(Connection& db);

}  // namespace lps::store::detail
