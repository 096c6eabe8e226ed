// TokenSource: the one interface every data source implements (synthetic, text, token shards).
//
// A source serves fixed-length token windows as plain int32 ids (lib/train turns them into tensors).
// Each window holds seq_len + 1 tokens: inputs are [0, seq_len), targets are [1, seq_len].
// Training windows come in a deterministic order given the source's seed; the order's only state is
// position() — the number of training windows served so far — which a checkpoint stores and
// set_position() restores, so a resumed run sees exactly the windows it would have seen.
// Held-out windows are a separate split that never overlaps the training windows, addressed by index,
// so every evaluation reads the same tokens.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace lps::data {

class TokenSource {
 public:
  virtual ~TokenSource() = default;

  // Token ids are in [0, vocab_size()).
  [[nodiscard]] virtual int vocab_size() const = 0;

  // Writes n_windows training windows of seq_len + 1 tokens each into out (size n_windows·(seq_len+1),
  // row-major) and advances position() by n_windows.
  virtual void next_train(int64_t n_windows, int64_t seq_len, std::span<int32_t> out) = 0;

  // Writes held-out windows first, first+1, ... (wrapping around when the split is finite). Pure.
  virtual void heldout(int64_t first, int64_t n_windows, int64_t seq_len, std::span<int32_t> out) const = 0;

  // Distinct held-out windows of this length; nullopt when the split is unbounded (synthetic).
  [[nodiscard]] virtual std::optional<int64_t> heldout_windows(int64_t seq_len) const = 0;

  // Training windows served so far; the whole resumable state of the order.
  [[nodiscard]] virtual int64_t position() const = 0;
  virtual void set_position(int64_t windows_served) = 0;

  // The true per-token entropy rate in nats where the source knows it (synthetic), else nullopt.
  [[nodiscard]] virtual std::optional<double> entropy_rate() const { return std::nullopt; }

  // One line for logs: kind, vocabulary, size.
  [[nodiscard]] virtual std::string describe() const = 0;
};

}  // namespace lps::data
