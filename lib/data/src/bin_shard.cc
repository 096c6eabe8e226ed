// Memory-mapped llm.c/nanoGPT token shards: header checks, reads, and an atomic writer.
#include <lps/data/bin_shard.h>

#include <lps/core/error.h>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

namespace lps::data {
namespace {

constexpr size_t kHeaderBytes = kShardHeaderInts * sizeof(int32_t);

[[nodiscard]] std::string errno_text() { return std::strerror(errno); }

void write_all(int fd, const void* data, size_t bytes, const std::string& path) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(fd, p, bytes);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError(fmt::format("{}: write failed: {}", path, errno_text()));
    }
    p += n;
    bytes -= static_cast<size_t>(n);
  }
}

}  // namespace

BinShard::BinShard(const std::string& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(fmt::format("{}: cannot open token shard: {}", path, errno_text()));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw IoError(fmt::format("{}: cannot stat token shard: {}", path, errno_text()));
  }
  const auto bytes = static_cast<size_t>(st.st_size);
  if (bytes < kHeaderBytes) {
    ::close(fd);
    throw IoError(fmt::format("{}: {} bytes is shorter than the 1024-byte header of an llm.c .bin shard", path, bytes));
  }
  void* map = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) throw IoError(fmt::format("{}: mmap failed: {}", path, errno_text()));
  map_ = static_cast<const uint8_t*>(map);
  map_bytes_ = bytes;
  int32_t header[3];
  std::memcpy(header, map_, sizeof(header));
  auto fail = [&](const std::string& message) {
    ::munmap(const_cast<uint8_t*>(map_), map_bytes_);
    map_ = nullptr;
    throw IoError(fmt::format("{}: {}", path, message));
  };
  if (header[0] != kShardMagic) {
    fail(fmt::format("bad magic {} (expected {}): not an llm.c/nanoGPT .bin token shard", header[0], kShardMagic));
  }
  if (header[1] != kShardVersionU16 && header[1] != kShardVersionU32) {
    fail(fmt::format("unsupported shard version {} (1 = uint16 tokens, 2 = uint32 tokens)", header[1]));
  }
  version_ = header[1];
  const size_t width = version_ == kShardVersionU16 ? 2 : 4;
  if (header[2] < 0 || kHeaderBytes + static_cast<size_t>(header[2]) * width > bytes) {
    fail(fmt::format("header says {} tokens but the file holds only {} bytes of tokens (truncated?)", header[2],
                     bytes - kHeaderBytes));
  }
  n_tokens_ = header[2];
  ::madvise(const_cast<uint8_t*>(map_), map_bytes_, MADV_RANDOM);
}

BinShard::~BinShard() {
  if (map_ != nullptr) ::munmap(const_cast<uint8_t*>(map_), map_bytes_);
}

BinShard::BinShard(BinShard&& other) noexcept { *this = std::move(other); }

BinShard& BinShard::operator=(BinShard&& other) noexcept {
  if (this != &other) {
    if (map_ != nullptr) ::munmap(const_cast<uint8_t*>(map_), map_bytes_);
    path_ = std::move(other.path_);
    map_ = std::exchange(other.map_, nullptr);
    map_bytes_ = std::exchange(other.map_bytes_, 0);
    version_ = other.version_;
    n_tokens_ = std::exchange(other.n_tokens_, 0);
  }
  return *this;
}

void BinShard::read(int64_t first, std::span<int32_t> out) const {
  const auto n = static_cast<int64_t>(out.size());
  LPS_CHECK(first >= 0 && first + n <= n_tokens_, "{}: read [{}, {}) outside [0, {})", path_, first, first + n,
            n_tokens_);
  const uint8_t* base = map_ + kHeaderBytes;
  if (version_ == kShardVersionU16) {
    for (int64_t i = 0; i < n; ++i) {
      uint16_t v;
      std::memcpy(&v, base + 2 * (first + i), 2);
      out[i] = v;
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      uint32_t v;
      std::memcpy(&v, base + 4 * (first + i), 4);
      out[i] = static_cast<int32_t>(v);
    }
  }
}

int32_t BinShard::max_token() const {
  int32_t best = 0;
  std::vector<int32_t> chunk;
  constexpr int64_t kChunk = 1 << 16;
  for (int64_t first = 0; first < n_tokens_; first += kChunk) {
    chunk.resize(static_cast<size_t>(std::min(kChunk, n_tokens_ - first)));
    read(first, chunk);
    best = std::max(best, *std::max_element(chunk.begin(), chunk.end()));
  }
  return best;
}

void write_bin_shard(const std::string& path, std::span<const int32_t> tokens) {
  if (tokens.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    throw Error(ErrorKind::kUserInput, fmt::format("{}: {} tokens do not fit one shard (max 2^31-1); split the input",
                                                   path, tokens.size()));
  }
  int32_t max_id = 0;
  for (const int32_t t : tokens) {
    if (t < 0) throw Error(ErrorKind::kUserInput, fmt::format("{}: negative token id {}", path, t));
    max_id = std::max(max_id, t);
  }
  const int32_t version = max_id < 65536 ? kShardVersionU16 : kShardVersionU32;
  std::vector<int32_t> header(kShardHeaderInts, 0);
  header[0] = kShardMagic;
  header[1] = version;
  header[2] = static_cast<int32_t>(tokens.size());
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(fmt::format("{}: cannot create: {}", tmp, errno_text()));
  try {
    write_all(fd, header.data(), kHeaderBytes, tmp);
    constexpr size_t kChunk = 1 << 16;
    std::vector<uint8_t> buffer;
    for (size_t first = 0; first < tokens.size(); first += kChunk) {
      const size_t n = std::min(kChunk, tokens.size() - first);
      if (version == kShardVersionU16) {
        buffer.resize(2 * n);
        for (size_t i = 0; i < n; ++i) {
          const auto v = static_cast<uint16_t>(tokens[first + i]);
          std::memcpy(buffer.data() + 2 * i, &v, 2);
        }
      } else {
        buffer.resize(4 * n);
        std::memcpy(buffer.data(), tokens.data() + first, 4 * n);
      }
      write_all(fd, buffer.data(), buffer.size(), tmp);
    }
    if (::fsync(fd) != 0) throw IoError(fmt::format("{}: fsync failed: {}", tmp, errno_text()));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw IoError(fmt::format("{}: rename from {} failed: {}", path, tmp, errno_text()));
  }
}

}  // namespace lps::data
