// Opening a store: file modes, WAL, schema versions and migrations, foreign files, network filesystems.
#include <lps/core/error.h>
#include <lps/store/filesystem_check.h>
#include <lps/store/store.h>

#include "schema.h"
#include "sqlite_db.h"
#include "store_test_support.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

namespace lps::store {
namespace {

using test::TempDir;

mode_t file_mode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

TEST(StoreOpen, CreatesTheFileAndItsWalSideFilesWithMode0600) {
  TempDir dir;
  const auto path = dir.file("sweep.db");
  const mode_t old_umask = ::umask(0022);
  {
    auto store = Store::open(path);
    (void)store.submit(test::make_sweep(), test::make_runs(2));
    EXPECT_EQ(file_mode(path), 0600u);
    ASSERT_TRUE(std::filesystem::exists(path + "-wal"));
    ASSERT_TRUE(std::filesystem::exists(path + "-shm"));
    EXPECT_EQ(file_mode(path + "-wal"), 0600u);
    EXPECT_EQ(file_mode(path + "-shm"), 0600u);
  }
  ::umask(old_umask);
}

TEST(StoreOpen, CreatesMissingParentFolders) {
  TempDir dir;
  const auto path = dir.file("a/b/sweep.db");
  auto store = Store::open(path);
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(StoreOpen, UsesWalModeAndTheNewestSchema) {
  TempDir dir;
  const auto path = dir.file("s.db");
  auto store = Store::open(path);
  EXPECT_EQ(store.schema_version(), kSchemaVersion);
  detail::Db db(path, SQLITE_OPEN_READONLY, {});
  auto st = db.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.get_text(0), "wal");
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST(StoreOpen, MigratesAnOlderStoreAndKeepsItsRuns) {
  TempDir dir;
  const auto path = dir.file("old.db");
  {
    // A store as version 1 of the schema left it: queue tables only.
    std::ofstream(path).close();
    detail::Db db(path, SQLITE_OPEN_READWRITE, {});
    ASSERT_EQ(detail::migrate(db, 1), 1);
    db.exec("INSERT INTO sweeps (name, output_dir, created, updated) VALUES ('old', '/o', 1, 1)", "t");
    db.exec("INSERT INTO runs (sweep_id, key, label, n_params, tokens, scheme, spec_json, state, max_attempts, "
            "backoff_s, created) VALUES (1, 'k1', 'l1', 10, 20, 'bf16', '{}', 'completed', 3, 1, 1)", "t");
    auto st = db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'metrics'");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.get_int(0), 0);
  }
  auto store = Store::open(path);
  EXPECT_EQ(store.schema_version(), kSchemaVersion);
  const auto runs = store.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].key, "k1");
  EXPECT_EQ(runs[0].state, RunState::kCompleted);
  EXPECT_NO_THROW((void)store.metrics(runs[0].id));  // the version-2 tables exist now
  EXPECT_NO_THROW((void)store.save_fit({0, "old", "quartet-law", "{}", 0}));
}

TEST(StoreOpen, RefusesAStoreWithANewerSchemaAndLeavesItUnchanged) {
  TempDir dir;
  const auto path = dir.file("new.db");
  { auto store = Store::open(path); }
  {
    detail::Db db(path, SQLITE_OPEN_READWRITE, {});
    db.exec("UPDATE schema_version SET version = 99", "t");
  }
  try {
    auto store = Store::open(path);
    FAIL() << "a newer schema was accepted";
  } catch (const IoError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("schema version 99 is newer"), std::string::npos) << what;
    EXPECT_NE(what.find("upgrade lpsweep"), std::string::npos) << what;
    EXPECT_NE(what.find(path), std::string::npos) << what;
  }
  detail::Db db(path, SQLITE_OPEN_READONLY, {});
  auto st = db.prepare("SELECT version FROM schema_version");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.get_int(0), 99);
}

TEST(StoreOpen, RefusesASqliteDatabaseThatIsNotAStore) {
  TempDir dir;
  const auto path = dir.file("other.db");
  {
    std::ofstream(path).close();
    detail::Db db(path, SQLITE_OPEN_READWRITE, {});
    db.exec("CREATE TABLE customers (id INTEGER)", "t");
  }
  try {
    auto store = Store::open(path);
    FAIL() << "a foreign database was accepted";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("not an lpsweep store"), std::string::npos) << e.what();
  }
}

TEST(StoreOpen, RefusesAFileThatIsNotADatabaseWithSqlitesMessage) {
  TempDir dir;
  const auto path = dir.file("text.db");
  std::ofstream(path) << std::string(4096, 'x');
  try {
    auto store = Store::open(path);
    FAIL() << "a text file was accepted";
  } catch (const IoError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("file is not a database"), std::string::npos) << what;
    EXPECT_NE(what.find(path), std::string::npos) << what;
  }
}

TEST(StoreOpen, WithoutCreateAMissingFileIsAnError) {
  TempDir dir;
  StoreOptions options;
  options.create = false;
  EXPECT_THROW((void)Store::open(dir.file("missing.db"), options), IoError);
  EXPECT_FALSE(std::filesystem::exists(dir.file("missing.db")));
}

TEST(StoreOpen, InvalidOptionsAreListedTogether) {
  TempDir dir;
  StoreOptions options;
  options.lease_s = 0;
  options.busy_give_up_s = -1;
  EXPECT_EQ(options.validate().size(), 2u);
  EXPECT_THROW((void)Store::open(dir.file("x.db"), options), Error);
}

TEST(NetworkFilesystems, NfsCifsSmbAndLustreAreRecognisedLocalDisksAreNot) {
  EXPECT_EQ(network_filesystem_name(0x6969).value_or(""), "NFS");
  EXPECT_EQ(network_filesystem_name(0xFF534D42).value_or(""), "CIFS");
  EXPECT_EQ(network_filesystem_name(0xFE534D42).value_or(""), "SMB2");
  EXPECT_EQ(network_filesystem_name(0x517B).value_or(""), "SMB");
  EXPECT_EQ(network_filesystem_name(0x0BD00BD0).value_or(""), "Lustre");
  EXPECT_FALSE(network_filesystem_name(0xEF53).has_value());      // ext4
  EXPECT_FALSE(network_filesystem_name(0x58465342).has_value());  // xfs
  EXPECT_FALSE(network_filesystem_name(0x01021994).has_value());  // tmpfs
  EXPECT_FALSE(network_filesystem_name(0x794C7630).has_value());  // overlayfs
}

TEST(NetworkFilesystems, ALocalFolderPassesTheCheck) {
  TempDir dir;
  EXPECT_NO_THROW(check_local_filesystem(dir.path().string()));
}

}  // namespace
}  // namespace lps::store
