// Atomic, verified checkpoint files.
#include <lps/train/checkpoint_file.h>

#include <lps/core/crash_point.h>
#include <lps/core/error.h>
#include <lps/core/fault_injection.h>
#include <lps/core/log.h>
#include <lps/core/sha256.h>

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace lps::train {
namespace fs = std::filesystem;
namespace {

constexpr const char* kPrefix = "ckpt-";
constexpr const char* kSuffix = ".pt";

[[nodiscard]] std::string errno_text() { return std::strerror(errno); }

// Step of a file named ckpt-<step>.pt, or -1.
[[nodiscard]] int64_t step_of(const fs::path& p) {
  const std::string name = p.filename().string();
  if (name.rfind(kPrefix, 0) != 0 || name.size() <= 8 || name.substr(name.size() - 3) != kSuffix) return -1;
  const std::string digits = name.substr(5, name.size() - 8);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return -1;
  return std::stoll(digits);
}

// A failed write of the checkpoint file: a full disk is DiskFullError (the trainer keeps the previous
// checkpoint and tries again at the next interval), anything else IoError.
[[noreturn]] void throw_write_error(int err, const std::string& what) {
  if (is_disk_full_errno(err)) throw DiskFullError(fmt::format("{}: {}", what, std::strerror(err)));
  throw IoError(fmt::format("{}: {}", what, std::strerror(err)));
}

void fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw IoError(fmt::format("{}: cannot open folder to fsync: {}", dir, errno_text()));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw IoError(fmt::format("{}: fsync of the folder failed: {}", dir, errno_text()));
}

}  // namespace

CheckpointRecord write_checkpoint_file(const std::string& dir, int64_t step, const std::vector<char>& bytes) {
  const std::string folder = fs::absolute(dir).string();
  const std::string path = (fs::path(folder) / fmt::format("{}{:09d}{}", kPrefix, step, kSuffix)).string();
  const std::string tmp = path + ".tmp";
  // 0600: a checkpoint holds the model and optimizer state; only its owner reads it (docs/fuzzing.md).
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw_write_error(errno, fmt::format("{}: cannot create checkpoint", tmp));
  // Every failure below removes the temporary file, so the folder keeps only complete checkpoints.
  auto fail = [&](int err, const std::string& what) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw_write_error(err, fmt::format("{}: {}", tmp, what));
  };
  size_t done = 0;
  while (done < bytes.size()) {
    // Fault injection (LPS_FAULT_ENOSPC=ckpt.write): half the bytes land, then the disk is "full".
    if (fault_enospc("ckpt.write")) {
      [[maybe_unused]] const ssize_t part = ::write(fd, bytes.data(), bytes.size() / 2);
      fail(ENOSPC, "write failed");
    }
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(errno, "write failed");
    done += static_cast<size_t>(n);
  }
  if (fault_enospc("ckpt.fsync")) fail(ENOSPC, "fsync failed");
  if (::fsync(fd) != 0) fail(errno, "fsync failed");
  ::close(fd);
  LPS_CRASH_POINT("ckpt.tmp_written");  // the temporary file is complete and durable, not yet renamed
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw_write_error(err, fmt::format("{}: rename to {} failed", tmp, path));
  }
  LPS_CRASH_POINT("ckpt.renamed");  // renamed; the folder is not fsynced and the store has no record yet
  fsync_dir(folder);
  Sha256 hash;
  hash.update(bytes.data(), bytes.size());
  return CheckpointRecord{path, step, to_hex(hash.finish())};
}

std::vector<char> read_verified_checkpoint(const CheckpointRecord& record, std::string* why) {
  std::ifstream in(record.path, std::ios::binary);
  if (!in) {
    *why = fmt::format("{}: cannot open: {}", record.path, errno_text());
    return {};
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Sha256 hash;
  hash.update(bytes.data(), bytes.size());
  const std::string digest = to_hex(hash.finish());
  if (digest != record.sha256) {
    *why = fmt::format("{}: SHA-256 {} does not match the recorded {} (corrupted or partly written)", record.path,
                       digest, record.sha256);
    return {};
  }
  return bytes;
}

void prune_checkpoints(const std::string& dir, int keep) {
  std::vector<std::pair<int64_t, fs::path>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const fs::path& p = entry.path();
    if (p.extension() == ".tmp" && p.filename().string().rfind(kPrefix, 0) == 0) {
      fs::remove(p, ec);
      continue;
    }
    if (const int64_t step = step_of(p); step >= 0) found.emplace_back(step, p);
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = static_cast<size_t>(std::max(keep, 1)); i < found.size(); ++i) fs::remove(found[i].second, ec);
  LPS_CRASH_POINT("ckpt.pruned");  // the older checkpoints are deleted
}

int remove_stale_temporaries(const std::string& dir) {
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".tmp" || p.filename().string().rfind(kPrefix, 0) != 0) continue;
    std::error_code rm;
    if (fs::remove(p, rm)) {
      ++removed;
      log_info("removed {}: a checkpoint left half-written by an earlier attempt", p.string());
    }
  }
  return removed;
}

}  // namespace lps::train
