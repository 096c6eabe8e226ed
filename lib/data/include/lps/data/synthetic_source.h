// SyntheticSource: an infinite, seeded token source whose true entropy rate is known exactly, so a
// fitted irreducible loss E can be checked against it.
//
// The process (a sparse variable-order Markov source). After an initial context of `order` uniform
// tokens, each next token is drawn as follows: pick a slot j in [0, slots) with Zipf probability
// w_j ∝ (j+1)^-zipf_exponent; slot j's token is a pseudo-random function (a keyed hash) of the last
// o_j = min(order, j+1) tokens, and the slots of one context always name distinct tokens (collisions are
// re-hashed). So every context's next-token distribution is the vector w over distinct tokens, and the
// entropy rate is exactly H(w), whatever the stationary distribution. A model that knows only bigrams can
// predict slot 0; each higher-order slot needs the model to memorise a table over longer contexts
// (up to V·slots^(order-1) reachable ones), so loss keeps falling with model size and with tokens.
//
// Windows are pure functions of (seed, split, index): training windows use split 0, held-out split 1.
#pragma once

#include <lps/data/token_source.h>

#include <cstdint>
#include <vector>

namespace lps::data {

struct SyntheticOptions {
  int vocab_size = 4096;       // alphabet size V (≥ slots)
  int order = 4;               // longest context a slot depends on (≥ 1)
  int slots = 8;               // distinct candidate tokens per context (≥ 1)
  double zipf_exponent = 1.0;  // slot probabilities w_j ∝ (j+1)^-zipf_exponent (> 0)
  uint64_t seed = 0;           // the source's tables and the window order

  // Throws lps::Error(kUserInput) naming every bad field.
  void validate() const;
};

class SyntheticSource final : public TokenSource {
 public:
  explicit SyntheticSource(SyntheticOptions options);

  [[nodiscard]] int vocab_size() const override { return options_.vocab_size; }
  void next_train(int64_t n_windows, int64_t seq_len, std::span<int32_t> out) override;
  void heldout(int64_t first, int64_t n_windows, int64_t seq_len, std::span<int32_t> out) const override;
  [[nodiscard]] std::optional<int64_t> heldout_windows(int64_t) const override { return std::nullopt; }
  [[nodiscard]] int64_t position() const override { return position_; }
  void set_position(int64_t windows_served) override;
  [[nodiscard]] std::optional<double> entropy_rate() const override { return entropy_rate_; }
  [[nodiscard]] std::string describe() const override;

  // The least achievable mean loss (nats) over a window's seq_len targets: the first order-1 targets
  // follow uniform tokens (ln V each), the rest cost the entropy rate.
  [[nodiscard]] double optimal_window_loss(int64_t seq_len) const;
  // The slot probabilities w (sum 1).
  [[nodiscard]] const std::vector<double>& slot_probabilities() const { return weights_; }
  // Writes one window (seq_len + 1 tokens) of split 0 (train) or 1 (held-out).
  void window(int split, int64_t index, std::span<int32_t> out) const;

 private:
  SyntheticOptions options_;
  std::vector<double> weights_;  // [slots]
  std::vector<double> cdf_;      // [slots]
  double entropy_rate_ = 0;
  int64_t position_ = 0;
};

}  // namespace lps::data
