// Bootstrap confidence intervals: resample runs with replacement (stratified by (fwd, bwd) scheme pair, so
// every stage keeps its data), refit each replicate in parallel, report percentile intervals.
// Each refit starts from the point estimate (one start; options.full_grid re-runs the whole grid), which
// keeps 1,000 refits well under a second for the paper's data. Replicate r uses the seed (seed, r), so the
// result is the same for any thread count.
#pragma once

#include <lps/analysis/fit_result.h>
#include <lps/analysis/staged_fit.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lps::analysis {

struct BootstrapOptions {
  size_t replicates = 1000;  // number of refits (≥ 1,000 for reported intervals)
  uint64_t seed = 20250520;  // base seed; replicate r draws from mt19937_64(seed + r)
  double confidence = 0.95;  // two-sided percentile interval
  int threads = 0;           // 0 = all hardware threads
  bool full_grid = false;    // refit from the whole start grid instead of the point estimate

  void validate() const;  // throws UserInputError listing every problem
};

struct ParameterInterval {
  std::string name;  // law parameter name (raw: a, alpha, ...)
  double estimate = 0;
  double lo = 0;  // lower percentile (raw)
  double hi = 0;  // upper percentile (raw)
};

struct BootstrapResult {
  std::vector<std::vector<double>> samples;  // successful replicates' full parameter vectors (law order)
  size_t failed = 0;                         // replicates whose refit failed (all starts non-finite)
  std::vector<ParameterInterval> intervals;  // one per parameter, law order
};

// Bootstraps a single fit_law fit (point = its result on `observations` with `options`).
[[nodiscard]] BootstrapResult bootstrap_fit(const LawForm& law, const std::vector<Observation>& observations,
                                            const FitResult& point, const FitOptions& options,
                                            const BootstrapOptions& bootstrap);

// Bootstraps the whole staged procedure (stage 1, stage 2; intervals for the law vector point.x).
[[nodiscard]] BootstrapResult bootstrap_staged(const LawForm& law,
                                               const std::vector<Observation>& observations,
                                               const StagedFit& point, const StagedFitOptions& options,
                                               const BootstrapOptions& bootstrap);

// Percentile (linear interpolation between order statistics) of `values` at q in [0, 1].
[[nodiscard]] double percentile(std::vector<double> values, double q);

}  // namespace lps::analysis
