// SHA-256 (FIPS 180-4). Used for RunKeys (hash of a run's canonical form) and checkpoint integrity.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lps {

using Digest256 = std::array<uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // Finishes the hash; the object must not be updated afterwards.
  [[nodiscard]] Digest256 finish();

 private:
  void compress(const uint8_t* block);
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
  bool finished_ = false;
};

[[nodiscard]] std::string to_hex(const Digest256& digest);
[[nodiscard]] std::string sha256_hex(std::string_view text);
// Hashes a file in chunks; throws lps::IoError naming the path if it cannot be read.
[[nodiscard]] std::string sha256_file_hex(const std::string& path);

}  // namespace lps
