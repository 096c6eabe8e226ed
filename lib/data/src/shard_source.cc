// Training/held-out windows over memory-mapped shards in a seeded, resumable order.
#include <lps/data/shard_source.h>

#include "splitmix.h"

#include <lps/core/error.h>

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace lps::data {

__extension__ using Uint128 = unsigned __int128;  // for (a·i + b) mod n without overflow

int64_t permute_window(int64_t i, int64_t n, uint64_t seed, int64_t epoch) {
  LPS_CHECK(n > 0 && i >= 0 && i < n);
  if (n == 1) return 0;
  uint64_t state = mix64(seed ^ (0xa0761d6478bd642fULL * static_cast<uint64_t>(epoch + 1)));
  const auto un = static_cast<uint64_t>(n);
  int64_t a = static_cast<int64_t>(next_u64(state) % (un - 1)) + 1;
  while (std::gcd(a, n) != 1) a = a % (n - 1) + 1;
  const auto b = static_cast<int64_t>(next_u64(state) % un);
  return static_cast<int64_t>((static_cast<Uint128>(a) * static_cast<uint64_t>(i) + static_cast<uint64_t>(b)) % un);
}

ShardSource::ShardSource(ShardOptions options) : options_(std::move(options)) {
  if (options_.paths.empty()) throw Error(ErrorKind::kUserInput, "shard source: no .bin shards given (data.paths)");
  if (!(options_.heldout_fraction >= 0 && options_.heldout_fraction <= 0.5)) {
    throw Error(ErrorKind::kUserInput, fmt::format("shard source: data.heldout_fraction must be in [0, 0.5], got {}",
                                                   options_.heldout_fraction));
  }
  int32_t max_id = 0;
  for (size_t s = 0; s < options_.paths.size(); ++s) {
    shards_.emplace_back(options_.paths[s]);
    const BinShard& shard = shards_.back();
    const auto held = static_cast<int64_t>(static_cast<double>(shard.size()) * options_.heldout_fraction);
    const int64_t split = shard.size() - held;
    train_.push_back({static_cast<int>(s), 0, split});
    heldout_.push_back({static_cast<int>(s), split, shard.size()});
    if (options_.vocab_size <= 0) max_id = std::max(max_id, shard.max_token());
  }
  vocab_size_ = options_.vocab_size > 0 ? options_.vocab_size : max_id + 1;
}

int64_t ShardSource::windows_in(const std::vector<Region>& regions, int64_t seq_len) {
  int64_t total = 0;
  for (const Region& r : regions) total += std::max<int64_t>(0, (r.end - r.begin - 1) / seq_len);
  return total;
}

int64_t ShardSource::train_windows(int64_t seq_len) const { return windows_in(train_, seq_len); }

int64_t ShardSource::total_tokens() const {
  int64_t total = 0;
  for (const BinShard& s : shards_) total += s.size();
  return total;
}

void ShardSource::read_window(const std::vector<Region>& regions, int64_t w, int64_t seq_len,
                              std::span<int32_t> out) const {
  for (const Region& r : regions) {
    const int64_t count = std::max<int64_t>(0, (r.end - r.begin - 1) / seq_len);
    if (w < count) {
      shards_[r.shard].read(r.begin + w * seq_len, out);
      return;
    }
    w -= count;
  }
  LPS_CHECK(false, "window index past the end");
}

void ShardSource::next_train(int64_t n_windows, int64_t seq_len, std::span<int32_t> out) {
  const int64_t width = seq_len + 1;
  LPS_CHECK(static_cast<int64_t>(out.size()) == n_windows * width);
  const int64_t per_epoch = train_windows(seq_len);
  if (per_epoch == 0) {
    throw Error(ErrorKind::kUserInput,
                fmt::format("shard source: the training split holds no window of {} tokens; use more data or a "
                            "shorter sequence",
                            width));
  }
  for (int64_t i = 0; i < n_windows; ++i) {
    const int64_t k = position_ + i;
    const int64_t w = permute_window(k % per_epoch, per_epoch, options_.seed, k / per_epoch);
    read_window(train_, w, seq_len, out.subspan(i * width, width));
  }
  position_ += n_windows;
}

std::optional<int64_t> ShardSource::heldout_windows(int64_t seq_len) const { return windows_in(heldout_, seq_len); }

void ShardSource::heldout(int64_t first, int64_t n_windows, int64_t seq_len, std::span<int32_t> out) const {
  const int64_t width = seq_len + 1;
  LPS_CHECK(static_cast<int64_t>(out.size()) == n_windows * width);
  const int64_t count = windows_in(heldout_, seq_len);
  if (count == 0) {
    throw Error(ErrorKind::kUserInput,
                fmt::format("shard source: the held-out split holds no window of {} tokens; raise "
                            "data.heldout_fraction or add data",
                            width));
  }
  for (int64_t i = 0; i < n_windows; ++i) read_window(heldout_, (first + i) % count, seq_len, out.subspan(i * width, width));
}

void ShardSource::set_position(int64_t windows_served) {
  LPS_CHECK(windows_served >= 0);
  position_ = windows_served;
}

std::string ShardSource::describe() const {
  return fmt::format("{} token shard{} ({} tokens, vocabulary {}, {:.2g} held out)", shards_.size(),
                     shards_.size() == 1 ? "" : "s", total_tokens(), vocab_size_, options_.heldout_fraction);
}

}  // namespace lps::data
