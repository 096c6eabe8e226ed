// The store's files against hostile or foreign databases, and who may read what lpsweep writes:
// - a store written by a newer lpsweep (schema version above ours) is refused, unchanged, with what to do;
// - an SQLite database that is not an lpsweep store is refused with its data intact; a file that is not SQLite
//   is refused unchanged;
// - the store and its -wal/-shm side files are 0600 whatever the umask;
// - exports follow the user's umask (0644 under the usual 022): they are reports meant to be shared, hold
//   no weights and no queue state, and are written where the user asked (docs/fuzzing.md).
// Checkpoint files (0600) are checked in tampered_checkpoint_test.cc, which links the trainer.
#include <lps/core/sha256.h>
#include <sqlite3.h>

#include <gtest/gtest.h>

#include "security_test_support.h"

namespace lps::security {
namespace {

namespace fs = std::filesystem;

std::string sweep_with_store(const TempDir& dir, const std::string& store) {
  return write_file(dir.sweep_dir() / "s.yaml", "name: s\nstore: " + store +
                                                    "\nmodels: [tiny-xs]\nschemes: [bf16]\n" + tiny_sweep_body());
}

void sql(const fs::path& db_path, const std::string& statements) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, statements.c_str(), nullptr, nullptr, &error);
  const std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

// The file's bytes and those of any -wal beside it: "unchanged" means all of them.
std::string fingerprint(const fs::path& db) {
  std::string text = sha256_hex(read_file(db));
  const fs::path wal = db.string() + "-wal";
  if (fs::exists(wal)) text += " wal " + sha256_hex(read_file(wal));
  return text;
}

TEST(StoreFiles, AStoreFromANewerLpsweepIsRefusedUnchangedWithWhatToDo) {
  TempDir dir;
  const std::string sweep = sweep_with_store(dir, "runs.db");
  auto r = cli("submit " + shell_quote(sweep));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path db = dir.sweep_dir() / "runs.db";
  sql(db, "PRAGMA wal_checkpoint(TRUNCATE); UPDATE schema_version SET version = 999;");
  const std::string before = fingerprint(db);
  for (const std::string command : {"status", "submit", "runs", "export runs"}) {
    SCOPED_TRACE(command);
    r = cli(command + " " + shell_quote(sweep));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("schema version 999 is newer than this lpsweep understands"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("upgrade lpsweep"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("SQLITE_"), std::string::npos) << "a raw SQLite code reached the user:\n" << r.output;
  }
  EXPECT_EQ(fingerprint(db), before) << "the refused store was modified";
}

// The rows of `accounts` and the tables of the file, as text.
std::string contents(const fs::path& db_path) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open(db_path.c_str(), &db) == SQLITE_OK) {
    sqlite3_exec(
        db, "SELECT name FROM sqlite_master UNION ALL SELECT id || ':' || secret FROM accounts",
        [](void* text, int n, char** values, char**) {
          for (int i = 0; i < n; ++i) *static_cast<std::string*>(text) += std::string(values[i] ? values[i] : "") + ";";
          return 0;
        },
        &out, nullptr);
  }
  sqlite3_close(db);
  return out;
}

TEST(StoreFiles, ASqliteDatabaseThatIsNotAStoreIsRefusedWithItsDataIntact) {
  TempDir dir;
  const fs::path db = dir.sweep_dir() / "theirs.db";
  sql(db, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, secret TEXT); INSERT INTO accounts VALUES (1, 'x');");
  const std::string before = contents(db);
  ASSERT_EQ(before, "accounts;1:x;");
  const std::string sweep = sweep_with_store(dir, "theirs.db");
  for (const std::string command : {"submit", "status"}) {
    SCOPED_TRACE(command);
    const auto r = cli(command + " " + shell_quote(sweep));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("is not an lpsweep store"), std::string::npos) << r.output;
  }
  EXPECT_EQ(contents(db), before) << "lpsweep added tables or changed rows of a foreign database";
}

// Store::open reads schema_version before it switches a file to WAL, so a foreign database keeps even its header.
TEST(StoreFiles, ASqliteDatabaseThatIsNotAStoreIsRefusedByteForByteUnchanged) {
  TempDir dir;
  const fs::path db = dir.sweep_dir() / "theirs.db";
  sql(db, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, secret TEXT); INSERT INTO accounts VALUES (1, 'x');");
  const std::string before = fingerprint(db);
  const auto r = cli("submit " + shell_quote(sweep_with_store(dir, "theirs.db")));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(fingerprint(db), before) << "a foreign database was modified";
}

TEST(StoreFiles, AFileThatIsNotADatabaseIsRefusedUnchanged) {
  TempDir dir;
  const fs::path db = dir.sweep_dir() / "notes.db";
  write_file(db, std::string(8192, 'n') + "not a database\n");
  const std::string before = fingerprint(db);
  const auto r = cli("submit " + shell_quote(sweep_with_store(dir, "notes.db")));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("not a database"), std::string::npos) << r.output;
  EXPECT_EQ(fingerprint(db), before);
  EXPECT_FALSE(fs::exists(db.string() + "-wal"));
}

TEST(StoreFiles, TheStoreAndItsSideFilesAre0600AndExportsFollowTheUmask) {
  TempDir dir;
  const std::string sweep = sweep_with_store(dir, "runs.db");
  const std::string umask022 = "umask 022 && " + std::string(LPS_CLI_PATH) + " ";
  auto r = test::run_command(umask022 + "run " + shell_quote(sweep) + " --executor test-double");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path db = dir.sweep_dir() / "runs.db";
  EXPECT_EQ(mode_of(db), 0600);
  // SQLite removes -wal and -shm when the last connection closes; hold one open while lpsweep writes.
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &reader), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(reader, "SELECT count(*) FROM runs", nullptr, nullptr, nullptr), SQLITE_OK);
  r = test::run_command(umask022 + "submit " + shell_quote(sweep));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* side : {"-wal", "-shm"}) {
    EXPECT_EQ(mode_of(db.string() + side), 0600) << side;
  }
  sqlite3_close(reader);

  const fs::path shared = dir.root() / "shared.csv";
  r = test::run_command(umask022 + "export runs " + shell_quote(sweep) + " -o " + shell_quote(shared.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(mode_of(shared), 0644);
  const fs::path private_export = dir.root() / "private.csv";
  r = test::run_command("umask 077 && " + std::string(LPS_CLI_PATH) + " export runs " + shell_quote(sweep) + " -o " +
                        shell_quote(private_export.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(mode_of(private_export), 0600);
}

}  // namespace
}  // namespace lps::security
