// The store's schema as an ordered list of migrations. Version n is reached by applying migrations 1..n;
// schema_version holds the version of the file. A file newer than this build is refused, never touched.
#pragma once

#include "sqlite_db.h"

namespace lps::store::detail {

// Brings the database to `target` (≤ kSchemaVersion) in one transaction; returns the version it now has.
// Throws IoError for a newer version or a database that is not an lpsweep store.
int migrate(Db& db, int target);

// The version recorded in the file (0 for an empty database); throws for a foreign database.
[[nodiscard]] int read_schema_version(Db& db);

}  // namespace lps::store::detail
