// ShardSource: training and held-out windows over memory-mapped `.bin` token shards.
//
// Split: the last heldout_fraction of every shard's tokens is held out; the rest is training data. Windows
// of seq_len + 1 tokens start every seq_len tokens (the llm.c convention: one token of overlap). Training
// windows of all shards form one list, visited epoch by epoch in a seeded affine permutation
// i ↦ (a·i + b) mod W with gcd(a, W) = 1 — O(1) state (position() alone), a fresh (a, b) per epoch.
// Held-out windows are visited in file order.
#pragma once

#include <lps/data/bin_shard.h>
#include <lps/data/token_source.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lps::data {

struct ShardOptions {
  std::vector<std::string> paths;  // .bin shards, in order
  double heldout_fraction = 0.01;  // of each shard's tokens, taken from its end; in [0, 0.5]
  uint64_t seed = 0;               // training window order
  int vocab_size = 0;              // 0 = the largest id in the shards + 1 (a full scan); else checked ≥ that
};

class ShardSource final : public TokenSource {
 public:
  // Maps every shard; throws lps::IoError for unreadable or malformed shards, lps::Error(kUserInput)
  // for bad options.
  explicit ShardSource(ShardOptions options);

  [[nodiscard]] int vocab_size() const override { return vocab_size_; }
  void next_train(int64_t n_windows, int64_t seq_len, std::span<int32_t> out) override;
  void heldout(int64_t first, int64_t n_windows, int64_t seq_len, std::span<int32_t> out) const override;
  [[nodiscard]] std::optional<int64_t> heldout_windows(int64_t seq_len) const override;
  [[nodiscard]] int64_t position() const override { return position_; }
  void set_position(int64_t windows_served) override;
  [[nodiscard]] std::string describe() const override;

  // Training windows per epoch at this sequence length.
  [[nodiscard]] int64_t train_windows(int64_t seq_len) const;
  [[nodiscard]] int64_t total_tokens() const;

 private:
  struct Region {
    int shard = 0;
    int64_t begin = 0;  // first token
    int64_t end = 0;    // one past the last token
  };
  // Window w of a list of regions (in order): writes seq_len + 1 tokens.
  void read_window(const std::vector<Region>& regions, int64_t w, int64_t seq_len, std::span<int32_t> out) const;
  [[nodiscard]] static int64_t windows_in(const std::vector<Region>& regions, int64_t seq_len);

  ShardOptions options_;
  std::vector<BinShard> shards_;
  std::vector<Region> train_;
  std::vector<Region> heldout_;
  int vocab_size_ = 0;
  int64_t position_ = 0;
};

// The training-order permutation of [0, n) for one epoch (exposed for tests): a bijection.
[[nodiscard]] int64_t permute_window(int64_t i, int64_t n, uint64_t seed, int64_t epoch);

}  // namespace lps::data
