// Token shards in the llm.c / nanoGPT `.bin` layout, memory-mapped.
//
// Layout: a header of 256 little-endian int32 — [0] magic 20240520, [1] version, [2] token count — then
// the tokens: version 1 stores uint16 (GPT-2 style vocabularies ≤ 65,536), version 2 stores uint32
// (llm.c's Llama-3 shards). Users' existing FineWeb/C4 preparations load directly.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace lps::data {

inline constexpr int32_t kShardMagic = 20240520;
inline constexpr int kShardHeaderInts = 256;
inline constexpr int32_t kShardVersionU16 = 1;
inline constexpr int32_t kShardVersionU32 = 2;

// A read-only, memory-mapped shard. Move-only; unmaps on destruction.
class BinShard {
 public:
  // Maps `path` and checks its header; throws lps::IoError naming the path and what is wrong (missing
  // file, too short, bad magic, unknown version, token count larger than the file).
  explicit BinShard(const std::string& path);
  ~BinShard();
  BinShard(BinShard&& other) noexcept;
  BinShard& operator=(BinShard&& other) noexcept;
  BinShard(const BinShard&) = delete;
  BinShard& operator=(const BinShard&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] int64_t size() const { return n_tokens_; }
  [[nodiscard]] int32_t version() const { return version_; }
  // Copies tokens [first, first + out.size()) into out as int32.
  void read(int64_t first, std::span<int32_t> out) const;
  // The largest token id in the shard (a full scan).
  [[nodiscard]] int32_t max_token() const;

 private:
  std::string path_;
  const uint8_t* map_ = nullptr;
  size_t map_bytes_ = 0;
  int32_t version_ = 0;
  int64_t n_tokens_ = 0;
};

// Writes tokens as a shard atomically (temporary file, fsync, rename): version 1 (uint16) when every id is
// below 65,536, else version 2. Throws lps::IoError on failure, lps::Error(kUserInput) for negative ids.
void write_bin_shard(const std::string& path, std::span<const int32_t> tokens);

}  // namespace lps::data
