// Store::open: the backend named by the URL; for SQLite file creation (0600), filesystem check, connection
// settings; for PostgreSQL the session; then schema migration.
#include <lps/core/clock.h>
#include <lps/core/error.h>
#include <lps/core/log.h>
#include <lps/store/filesystem_check.h>
#include <lps/store/store.h>
#include <lps/store/store_url.h>

#include "pg_db.h"
#include "schema.h"
#include "sqlite_db.h"
#include "store_impl.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

namespace lps::store {
namespace {

constexpr mode_t kStoreFileMode = 0600;

// Creates the file with mode 0600 unless it exists; SQLite gives its -wal and -shm files the same mode.
void create_private_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, kStoreFileMode);
  if (fd < 0) {
    if (errno == EEXIST) return;
    throw IoError(fmt::format("store {}: cannot create: {}", path, std::strerror(errno)));
  }
  // The umask may have removed bits we asked for but never adds any; make the mode exact.
  ::fchmod(fd, kStoreFileMode);
  ::close(fd);
}

// PRAGMA journal_mode cannot run inside a transaction; retry it by hand while another process holds a lock.
void exec_with_retry(detail::Db& db, const std::string& sql, const std::string& what, double give_up_s) {
  const Stopwatch clock;
  for (;;) {
    try {
      db.exec(sql, what);
      return;
    } catch (const detail::BusySignal& busy) {
      if (clock.seconds() > give_up_s) throw IoError(busy.what);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

}  // namespace

std::vector<std::string> StoreOptions::validate() const {
  std::vector<std::string> problems;
  if (!(lease_s > 0)) problems.push_back(fmt::format("lease_s must be > 0 (got {})", lease_s));
  if (busy_timeout_ms < 0) problems.push_back(fmt::format("busy_timeout_ms must be ≥ 0 (got {})", busy_timeout_ms));
  if (!(busy_give_up_s > 0)) problems.push_back(fmt::format("busy_give_up_s must be > 0 (got {})", busy_give_up_s));
  return problems;
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;

namespace {

detail::BusyPolicy busy_policy(const StoreOptions& options) {
  detail::BusyPolicy policy;
  policy.busy_timeout_ms = options.busy_timeout_ms;
  policy.give_up_s = options.busy_give_up_s;
  return policy;
}

std::unique_ptr<Store::Impl> open_postgres(const std::string& url, const StoreOptions& options) {
  auto impl = std::make_unique<Store::Impl>(detail::connect_postgres(url, busy_policy(options)), options);
  if (!options.create && detail::read_schema_version(impl->db) == 0) {
    throw IoError(fmt::format("store {}: the database holds no lpsweep store yet (submit a sweep first)",
                              impl->db.path()));
  }
  return impl;
}

std::unique_ptr<Store::Impl> open_sqlite(const std::string& path, const StoreOptions& options) {
  if (path.empty()) throw Error(ErrorKind::kUserInput, "store path is empty");
  namespace fs = std::filesystem;
  const fs::path file = fs::absolute(path);
  const fs::path dir = file.parent_path();
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    if (!options.create) throw IoError(fmt::format("store {}: no such file (submit a sweep first)", file.string()));
    fs::create_directories(dir, ec);
    if (ec) throw IoError(fmt::format("store {}: cannot create folder {}: {}", file.string(), dir.string(), ec.message()));
  }
  check_local_filesystem(dir.string());
  if (options.create) create_private_file(file.string());

  struct stat st {};
  if (::stat(file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    log_warn("store {} is readable by other users (mode {:o}); chmod 600 it", file.string(), st.st_mode & 0777);
  }

  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  auto connection = std::make_unique<detail::Db>(file.string(), flags, busy_policy(options));
  auto& db = *connection;
  // A file that is not an lpsweep store is refused before anything is written to it (switching to WAL would
  // already change its header).
  (void)detail::read_schema_version(db);
  {
    auto mode = db.prepare("PRAGMA journal_mode");
    if (!mode.step()) throw IoError(fmt::format("store {}: cannot read the journal mode", file.string()));
    if (mode.get_text(0) != "wal") {
      mode.reset();
      exec_with_retry(db, "PRAGMA journal_mode=WAL", "switching to WAL mode", options.busy_give_up_s);
      auto again = db.prepare("PRAGMA journal_mode");
      if (!again.step() || again.get_text(0) != "wal") {
        throw IoError(fmt::format("store {}: SQLite refused WAL mode; is the file on a local disk?", file.string()));
      }
    }
  }
  db.exec(options.durability == Durability::kFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
          "setting synchronous");
  db.exec("PRAGMA foreign_keys=ON", "enabling foreign keys");
  return std::make_unique<Store::Impl>(std::move(connection), options);
}

}  // namespace

Store Store::open(const std::string& url, const StoreOptions& options) {
  if (const auto problems = options.validate(); !problems.empty()) {
    std::string text = "invalid store options:";
    for (const auto& p : problems) text += "\n  " + p;
    throw Error(ErrorKind::kUserInput, text);
  }
  const StoreLocation location = parse_store_url(url);
  auto impl = location.backend == StoreBackend::kPostgres ? open_postgres(location.target, options)
                                                          : open_sqlite(location.target, options);
  impl->schema_version = detail::migrate(impl->db, kSchemaVersion);
  return Store(std::move(impl));
}

const std::string& Store::path() const { return impl_->db.path(); }
const StoreOptions& Store::options() const { return impl_->options; }
int Store::schema_version() const { return impl_->schema_version; }

std::string Store::integrity_check() const {
  std::lock_guard lock(impl_->mu);
  std::string out;
  impl_->db.read_txn([&] {
    out.clear();
    if (impl_->db.dialect() == detail::Dialect::kPostgres) {
      out = detail::postgres_consistency_problems(impl_->db);
      return;
    }
    auto st = impl_->db.prepare("PRAGMA integrity_check");
    while (st.step()) {
      if (!out.empty()) out += "\n";
      out += st.get_text(0);
    }
  });
  return out;
}

}  // namespace lps::store
