// The sparse variable-order Markov source; see synthetic_source.h for the process and its entropy.
#include <lps/data/synthetic_source.h>

#include "splitmix.h"

#include <lps/core/diagnostic.h>
#include <lps/core/error.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace lps::data {

void SyntheticOptions::validate() const {
  DiagnosticList problems;
  auto bad = [&](const char* key, std::string message) {
    problems.add({"<synthetic source>", 0, 0, std::string("data.") + key, std::move(message)});
  };
  if (slots < 1) bad("slots", fmt::format("must be at least 1, got {}", slots));
  if (vocab_size < std::max(2, slots)) {
    bad("vocab_size", fmt::format("must be at least max(2, slots = {}), got {}", slots, vocab_size));
  }
  if (order < 1) bad("synthetic_order", fmt::format("must be at least 1, got {}", order));
  if (!(zipf_exponent > 0)) bad("zipf_exponent", fmt::format("must be positive, got {}", zipf_exponent));
  problems.throw_if_any();
}

SyntheticSource::SyntheticSource(SyntheticOptions options) : options_(options) {
  options_.validate();
  weights_.resize(options_.slots);
  double total = 0;
  for (int j = 0; j < options_.slots; ++j) {
    weights_[j] = std::pow(j + 1.0, -options_.zipf_exponent);
    total += weights_[j];
  }
  double cumulative = 0;
  cdf_.resize(options_.slots);
  for (int j = 0; j < options_.slots; ++j) {
    weights_[j] /= total;
    cumulative += weights_[j];
    cdf_[j] = cumulative;
    entropy_rate_ -= weights_[j] * std::log(weights_[j]);
  }
  cdf_.back() = 1.0;
}

void SyntheticSource::window(int split, int64_t index, std::span<int32_t> out) const {
  const int64_t n = static_cast<int64_t>(out.size());
  const uint64_t vocab = static_cast<uint64_t>(options_.vocab_size);
  const uint64_t table_key = mix64(options_.seed ^ 0x5eed7ab1e5ULL);
  uint64_t rng = mix64(mix64(options_.seed + 0x243f6a8885a308d3ULL * (split + 1)) ^ static_cast<uint64_t>(index));
  std::vector<int32_t> chosen(options_.slots);
  for (int64_t t = 0; t < n; ++t) {
    if (t < options_.order) {
      out[t] = static_cast<int32_t>(next_u64(rng) % vocab);
      continue;
    }
    const double u = to_unit(next_u64(rng));
    const int slot = static_cast<int>(std::upper_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
    const int last = std::min(slot, options_.slots - 1);
    // Slots 0..last of this context, distinct by construction.
    for (int j = 0; j <= last; ++j) {
      const int context = std::min(options_.order, j + 1);
      uint64_t h = mix64(table_key + 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(j + 1));
      for (int k = 1; k <= context; ++k) h = mix64(h ^ (static_cast<uint64_t>(out[t - k]) + 0x632be59bd9b4e019ULL * k));
      int32_t token = static_cast<int32_t>(h % vocab);
      while (std::find(chosen.begin(), chosen.begin() + j, token) != chosen.begin() + j) {
        h = mix64(h + 0x9e3779b97f4a7c15ULL);
        token = static_cast<int32_t>(h % vocab);
      }
      chosen[j] = token;
    }
    out[t] = chosen[last];
  }
}

void SyntheticSource::next_train(int64_t n_windows, int64_t seq_len, std::span<int32_t> out) {
  const int64_t width = seq_len + 1;
  LPS_CHECK(static_cast<int64_t>(out.size()) == n_windows * width, "out has {} tokens, expected {}", out.size(),
            n_windows * width);
  for (int64_t i = 0; i < n_windows; ++i) window(0, position_ + i, out.subspan(i * width, width));
  position_ += n_windows;
}

void SyntheticSource::heldout(int64_t first, int64_t n_windows, int64_t seq_len, std::span<int32_t> out) const {
  const int64_t width = seq_len + 1;
  LPS_CHECK(static_cast<int64_t>(out.size()) == n_windows * width, "out has {} tokens, expected {}", out.size(),
            n_windows * width);
  for (int64_t i = 0; i < n_windows; ++i) window(1, first + i, out.subspan(i * width, width));
}

void SyntheticSource::set_position(int64_t windows_served) {
  LPS_CHECK(windows_served >= 0);
  position_ = windows_served;
}

double SyntheticSource::optimal_window_loss(int64_t seq_len) const {
  LPS_CHECK(seq_len >= 1);
  const int64_t uniform = std::min<int64_t>(seq_len, options_.order - 1);
  return (static_cast<double>(uniform) * std::log(static_cast<double>(options_.vocab_size)) +
          static_cast<double>(seq_len - uniform) * entropy_rate_) /
         static_cast<double>(seq_len);
}

std::string SyntheticSource::describe() const {
  return fmt::format("synthetic source (V={}, order {}, {} slots, Zipf {}, seed {}): entropy rate {:.4f} nats/token",
                     options_.vocab_size, options_.order, options_.slots, options_.zipf_exponent, options_.seed,
                     entropy_rate_);
}

}  // namespace lps::data
