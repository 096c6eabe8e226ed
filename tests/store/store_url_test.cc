// Store URLs: backend selection and password redaction.
#include <lps/store/store_url.h>

#include <gtest/gtest.h>

namespace lps::store {
namespace {

TEST(StoreUrl, PlainPathsAndSqlitePrefixesNameSqliteFiles) {
  EXPECT_EQ(parse_store_url("runs/sweep.db").backend, StoreBackend::kSqlite);
  EXPECT_EQ(parse_store_url("runs/sweep.db").target, "runs/sweep.db");
  EXPECT_EQ(parse_store_url("sqlite:runs/sweep.db").target, "runs/sweep.db");
  EXPECT_EQ(parse_store_url("sqlite:/abs/sweep.db").target, "/abs/sweep.db");
  EXPECT_EQ(parse_store_url("sqlite:///abs/sweep.db").target, "/abs/sweep.db");
  EXPECT_EQ(parse_store_url("SQLite:x.db").backend, StoreBackend::kSqlite);
}

TEST(StoreUrl, PostgresqlAndPostgresSchemesNameAServer) {
  for (const char* url : {"postgresql://u@h/db", "postgres://h:5433/db", "POSTGRESQL://h/db"}) {
    const auto loc = parse_store_url(url);
    EXPECT_EQ(loc.backend, StoreBackend::kPostgres) << url;
    EXPECT_EQ(loc.target, url);
  }
  EXPECT_FALSE(is_postgres_url("postgresql:/not-a-url"));
}

TEST(StoreUrl, RedactionHidesPasswordsAndNothingElse) {
  EXPECT_EQ(redact_store_url("postgresql://alice:s3cret@db.example:5432/sweeps"),
            "postgresql://alice:***@db.example:5432/sweeps");
  EXPECT_EQ(redact_store_url("postgres://alice@db/sweeps"), "postgres://alice@db/sweeps");
  EXPECT_EQ(redact_store_url("postgresql://db/sweeps?sslmode=require&password=hunter2&connect_timeout=3"),
            "postgresql://db/sweeps?sslmode=require&password=***&connect_timeout=3");
  EXPECT_EQ(redact_store_url("postgresql://a:p%40ss@h/d?password=x"), "postgresql://a:***@h/d?password=***");
  EXPECT_EQ(redact_store_url("/data/sweep.db"), "/data/sweep.db");
}

}  // namespace
}  // namespace lps::store
