// Atomic, verified checkpoint files.
#include <lps/train/checkpoint_file.h>

#include <lps/core/error.h>
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
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(fmt::format("{}: cannot create checkpoint: {}", tmp, errno_text()));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = errno_text();
      ::close(fd);
      ::unlink(tmp.c_str());
      throw IoError(fmt::format("{}: write failed: {}", tmp, why));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    throw IoError(fmt::format("{}: fsync failed: {}", tmp, why));
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw IoError(fmt::format("{}: rename to {} failed: {}", tmp, path, why));
  }
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
}

}  // namespace lps::train
