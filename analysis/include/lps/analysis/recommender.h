// Choosing the precision (DESIGN.md §6): for a budget (Nmax, Dmax) each configuration P = (fwd, bwd) is
// scored by L(Nmax·spfw, Dmax·sptr/spfw, P) under the fitted law; the lowest predicted loss wins. With
// bootstrap samples of the law's parameters, the probability that the winner is the best is the fraction
// of samples in which it wins. Configurations whose predicted losses are within kTieMargin of each other are
// a tie, said as such: the law does not tell them apart at that budget.
#pragma once

#include <lps/analysis/law_form.h>
#include <lps/analysis/speedup_model.h>

#include <span>
#include <string>
#include <vector>

namespace lps::analysis {

struct Budget {
  double n_max = 0;  // parameters of the baseline model the budget allows
  double d_max = 0;  // tokens the baseline could train on
  // From a FLOP budget C = 6·N·D and a model size: D = C / (6N).
  [[nodiscard]] static Budget from_flops(double flops, double n);
  // From a FLOP budget and a tokens-per-parameter ratio r: N = sqrt(C / (6r)), D = r·N.
  [[nodiscard]] static Budget from_flops_and_ratio(double flops, double ratio);
};

struct ConfigScore {
  PrecisionConfig config;
  Speedup speedup;         // spfw, spbw at Nmax
  double n_effective = 0;  // Nmax·spfw (the argument given to the law)
  double d_effective = 0;  // Dmax·sptr/spfw
  double loss = 0;         // predicted loss
};

// Predicted losses closer than this (ln L − ln L_winner < kTieMargin: within 0.01%) are a tie — two orders
// below what any fit of sweep-sized data resolves, so the law does not tell those configurations apart.
inline constexpr double kTieMargin = 1e-4;

struct Recommendation {
  Budget budget;
  std::vector<ConfigScore> scores;  // in the order of the configurations given
  size_t winner = 0;                // index into scores: the lowest predicted loss (exact ties: the earlier)
  double margin = 0;                // ln(L_runner-up / L_winner) ≥ 0; 0 with one configuration
  std::vector<size_t> tied;         // the configurations within kTieMargin of the winner, winner first; size 1
                                    // = a clear winner
  double probability_best = -1;     // fraction of bootstrap samples where the winner is best by more than
                                    // kTieMargin; -1 without samples
  double probability_tied = -1;     // fraction where it is within kTieMargin of the best (counted apart)
  size_t samples_used = 0;

  [[nodiscard]] bool is_tie() const { return tied.size() > 1; }
};

// x: the law's parameter vector; samples: bootstrap parameter vectors (may be empty).
[[nodiscard]] Recommendation recommend(const LawForm& law, std::span<const double> x,
                                       const std::vector<PrecisionConfig>& configs,
                                       const SpeedupModel& speedups, const Budget& budget,
                                       const std::vector<std::vector<double>>& samples = {});

// Winners over a grid of model sizes × tokens-per-parameter (the Quartet paper's Fig. 1c map).
struct RegionMap {
  std::vector<double> n_values;             // model sizes (columns)
  std::vector<double> ratio_values;         // D/N (rows)
  std::vector<PrecisionConfig> configs;     // candidates
  std::vector<std::vector<int>> winner;     // [row = ratio][column = n] index into configs
  std::vector<std::vector<double>> margin;  // [row][col] ln(L_runner-up / L_winner) ≥ 0
};

// Log-spaced grid helper: `count` values from lo to hi inclusive.
[[nodiscard]] std::vector<double> log_space(double lo, double hi, size_t count);

[[nodiscard]] RegionMap region_map(const LawForm& law, std::span<const double> x,
                                   const std::vector<PrecisionConfig>& configs, const SpeedupModel& speedups,
                                   const std::vector<double>& n_values,
                                   const std::vector<double>& ratio_values);

}  // namespace lps::analysis
