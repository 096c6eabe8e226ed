// The PostgreSQL backend's own behaviour: connection errors that say what to do, passwords never shown,
// schema versions (newer refused, v2 migrated, concurrent first opens), foreign databases, reconnection.
#include <lps/core/error.h>
#include <lps/store/store.h>

#include "schema.h"
#include "store_test_support.h"

#ifdef LPS_TEST_HAVE_LIBPQ
#include "pg_db.h"
#endif

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <thread>

namespace lps::store {
namespace {

#ifdef LPS_TEST_HAVE_LIBPQ

class Postgres : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const auto why = test::postgres_skip_reason(); !why.empty()) GTEST_SKIP() << "PostgreSQL: " << why;
  }
};

// The server URL with its database replaced by `db`.
std::string with_database(const std::string& url, const std::string& db) {
  const size_t slash = url.find('/', url.find("://") + 3);
  return url.substr(0, slash + 1) + db;
}

std::string password_of(const std::string& url) {
  const size_t start = url.find("://") + 3;
  const size_t colon = url.find(':', start);
  const size_t at = url.find('@', start);
  return colon < at ? url.substr(colon + 1, at - colon - 1) : "";
}

// A loopback port nothing listens on (bound, then released).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string open_error(const std::string& url) {
  try {
    auto store = Store::open(url);
  } catch (const IoError& e) {
    return e.what();
  }
  ADD_FAILURE() << "opened " << url;
  return "";
}

TEST(PostgresErrors, AnUnreachableServerNamesHostPortAndWhatToDoWithoutThePassword) {
  const int port = free_port();
  const std::string what = open_error(fmt::format("postgresql://lps:topsecret@127.0.0.1:{}/lps", port));
  EXPECT_NE(what.find(fmt::format("cannot reach the PostgreSQL server at 127.0.0.1:{}", port)), std::string::npos)
      << what;
  EXPECT_NE(what.find("scripts/pg/start.sh"), std::string::npos) << what;
  EXPECT_EQ(what.find("topsecret"), std::string::npos) << what;
  EXPECT_NE(what.find("postgresql://lps:***@127.0.0.1"), std::string::npos) << what;
}

TEST_F(Postgres, AWrongPasswordIsReportedAsAnAuthenticationFailureWithoutThePassword) {
  const std::string url = test::pg_server().url;
  const std::string good = password_of(url);
  ASSERT_FALSE(good.empty()) << "the test server's URL carries a password";
  std::string bad = url;
  bad.replace(bad.find(good), good.size(), "wrongpass123");
  const std::string what = open_error(bad);
  EXPECT_NE(what.find("refused user \"lps\""), std::string::npos) << what;
  EXPECT_NE(what.find("password authentication failed"), std::string::npos) << what;
  EXPECT_EQ(what.find("wrongpass123"), std::string::npos) << what;
}

TEST_F(Postgres, AMissingDatabaseSaysHowToCreateIt) {
  const std::string what = open_error(with_database(test::pg_server().url, "no_such_db"));
  EXPECT_NE(what.find("has no database \"no_such_db\""), std::string::npos) << what;
  EXPECT_NE(what.find("createdb"), std::string::npos) << what;
  EXPECT_EQ(what.find(password_of(test::pg_server().url)), std::string::npos) << what;
}

TEST_F(Postgres, ThePathShownIsTheUrlWithoutItsPassword) {
  test::PgSchema schema;
  auto store = Store::open(schema.url());
  EXPECT_EQ(store.path().find(password_of(schema.url())), std::string::npos) << store.path();
  EXPECT_NE(store.path().find(":***@"), std::string::npos) << store.path();
  EXPECT_EQ(store.schema_version(), kSchemaVersion);
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST_F(Postgres, ANewerSchemaIsRefusedAndLeftUnchanged) {
  test::PgSchema schema;
  { auto store = Store::open(schema.url()); }
  ASSERT_EQ(test::pg_detail::exec(schema.url(), "UPDATE schema_version SET version = 99"), "");
  const std::string what = open_error(schema.url());
  EXPECT_NE(what.find("schema version 99 is newer"), std::string::npos) << what;
  EXPECT_NE(what.find("upgrade lpsweep"), std::string::npos) << what;
  auto db = detail::connect_postgres(schema.url(), {});
  EXPECT_EQ(detail::read_schema_version(*db), 99);
}

TEST_F(Postgres, AVersion2StoreIsMigratedKeepingItsAttempts) {
  test::PgSchema schema;
  {
    auto db = detail::connect_postgres(schema.url(), {});
    ASSERT_EQ(detail::migrate(*db, 2), 2);
    db->exec("INSERT INTO sweeps (name, output_dir, created, updated) VALUES ('old', '/o', 1, 1);"
             "INSERT INTO runs (sweep_id, key, label, n_params, tokens, scheme, spec_json, state, attempts, "
             "max_attempts, backoff_s, created) VALUES (1, 'k1', 'l1', 10, 20, 'bf16', '{}', 'completed', 1, 3, 1, 1);"
             "INSERT INTO attempts (run_id, attempt, worker, started, heartbeat, lease_expires, ended, outcome) "
             "VALUES (1, 1, 'w', 1, 1, 2, 3, 'completed')",
             "t");
  }
  auto store = Store::open(schema.url());
  EXPECT_EQ(store.schema_version(), 3);
  const auto attempts = store.attempts(1);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].worker, "w");
  EXPECT_FALSE(attempts[0].info.has_value());
  EXPECT_EQ(store.runs().at(0).key, "k1");
}

TEST_F(Postgres, ManyFirstOpensAtOnceCreateTheSchemaOnce) {
  test::PgSchema schema;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      try {
        auto store = Store::open(schema.url());
        if (store.schema_version() != kSchemaVersion) ++failures;
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(Postgres, ADatabaseWithOtherTablesIsNotTakenOver) {
  test::PgSchema schema;
  ASSERT_EQ(test::pg_detail::exec(schema.url(), "CREATE TABLE customers (id INTEGER)"), "");
  const std::string what = open_error(schema.url());
  EXPECT_NE(what.find("not an lpsweep store"), std::string::npos) << what;
}

TEST_F(Postgres, OpeningWithoutCreateNeedsAnExistingStore) {
  test::PgSchema schema;
  StoreOptions options;
  options.create = false;
  try {
    auto store = Store::open(schema.url(), options);
    FAIL() << "an empty database was accepted with create = false";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("holds no lpsweep store"), std::string::npos) << e.what();
  }
}

TEST_F(Postgres, ASessionTheServerClosedIsReopenedByTheNextCall) {
  test::PgSchema schema;
  const std::string app = fmt::format("lps_reconnect_{}", ::getpid());
  auto store = Store::open(test::with_param(schema.url(), "application_name=" + app));
  (void)store.submit(test::make_sweep(), test::make_runs(3));
  ASSERT_EQ(test::pg_detail::exec(test::pg_server().url,
                                  fmt::format("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                              "WHERE application_name = '{}'", app)),
            "");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(store.runs().size(), 3u);
  EXPECT_TRUE(store.claim("w").has_value());
}

TEST_F(Postgres, LeaseTimesComeFromTheServerClock) {
  test::PgSchema schema;
  auto store = Store::open(schema.url());
  (void)store.submit(test::make_sweep(), test::make_runs(1));
  auto db = detail::connect_postgres(schema.url(), {});
  const double before = db->now();
  const auto c = store.claim("w");
  const double after = db->now();
  ASSERT_TRUE(c);
  EXPECT_GE(c->lease_expires, before + store.options().lease_s - 1e-3);
  EXPECT_LE(c->lease_expires, after + store.options().lease_s + 1e-3);
}

#else

TEST(Postgres, NotBuilt) { GTEST_SKIP() << "this build has no libpq (apt install libpq-dev and reconfigure)"; }

#endif

}  // namespace
}  // namespace lps::store
