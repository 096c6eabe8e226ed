// One finished training run as the fitter sees it: model size, tokens, final loss and the precision
// scheme of its forward and backward passes. The store, CSV reader and tests all produce this plain struct.
#pragma once

#include <string>
#include <vector>

namespace lps::analysis {

struct Observation {
  double n = 0;       // non-embedding parameters (norm weights included)
  double d = 0;       // training tokens
  double loss = 0;    // final held-out loss (nats/token); must be > 0
  std::string fwd;    // forward scheme label, e.g. "BF16", "QuEST"; the baseline has effN = 1
  std::string bwd;    // backward scheme label; the baseline has effD = 1
  std::string label;  // free text (run key, model name); carried into reports, never used by the fit

  friend bool operator==(const Observation&, const Observation&) = default;
};

// Total order used to make fits independent of row order: (n, d, fwd, bwd, loss, label).
[[nodiscard]] bool canonical_less(const Observation& x, const Observation& y);

// Returns the observations sorted by canonical_less (stable for exact duplicates).
[[nodiscard]] std::vector<Observation> canonical_order(std::vector<Observation> observations);

// Checks every observation (finite, n > 0, d > 0, loss > 0) and throws one UserInputError listing all
// bad rows as "<source>: row <i> (<label>): <problem>".
void validate_observations(const std::vector<Observation>& observations, const std::string& source);

}  // namespace lps::analysis
