// Store URLs: which backend a store string names, and how to show it without its password.
//
//   sqlite:PATH, sqlite://PATH     a SQLite file (PATH relative to the current folder, or absolute)
//   PATH                           the same (anything that is not a URL below)
//   postgresql://[user[:password]@][host][:port][/dbname][?param=value&...]
//   postgres://...                 the same (libpq's URI syntax; any libpq parameter may be given)
#pragma once

#include <string>
#include <string_view>

namespace lps::store {

enum class StoreBackend { kSqlite, kPostgres };

struct StoreLocation {
  StoreBackend backend = StoreBackend::kSqlite;
  std::string target;  // SQLite: the file path (prefix removed); PostgreSQL: the URL as given
};

// Never throws; an empty string is a SQLite location with an empty path (Store::open refuses it).
[[nodiscard]] StoreLocation parse_store_url(std::string_view url);
[[nodiscard]] bool is_postgres_url(std::string_view url);
// The URL with any password (user:PASSWORD@ or password=...) replaced by "***"; other strings unchanged.
// Use it wherever a store URL is logged or shown.
[[nodiscard]] std::string redact_store_url(std::string_view url);

}  // namespace lps::store
