// Scoring precision configurations under a budget; region maps.
#include <fmt/format.h>
#include <lps/analysis/recommender.h>
#include <lps/core/error.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace lps::analysis {
namespace {

size_t argmin(const std::vector<double>& v) {
  size_t best = 0;
  for (size_t i = 1; i < v.size(); ++i) {
    if (v[i] < v[best]) best = i;
  }
  return best;
}

std::vector<double> losses(const LawForm& law, std::span<const double> x,
                           const std::vector<ConfigScore>& scores) {
  std::vector<double> out;
  for (const auto& s : scores) {
    const double l = law.predict(x, s.n_effective, s.d_effective, s.config.fwd, s.config.bwd);
    out.push_back(std::isfinite(l) ? l : std::numeric_limits<double>::infinity());
  }
  return out;
}

// ln(L_runner-up / L_best): how far the next-best configuration is behind; 0 with one configuration.
double margin_of(const std::vector<double>& l, size_t best) {
  double runner_up = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < l.size(); ++i) {
    if (i != best) runner_up = std::min(runner_up, l[i]);
  }
  return l.size() > 1 ? std::log(runner_up / l[best]) : 0.0;
}

}  // namespace

Budget Budget::from_flops(double flops, double n) {
  if (!(flops > 0 && n > 0))
    throw Error(ErrorKind::kUserInput, "FLOP budget and model size must be positive");
  return Budget{n, flops / (6 * n)};
}

Budget Budget::from_flops_and_ratio(double flops, double ratio) {
  if (!(flops > 0 && ratio > 0)) throw Error(ErrorKind::kUserInput, "FLOP budget and D/N must be positive");
  const double n = std::sqrt(flops / (6 * ratio));
  return Budget{n, ratio * n};
}

Recommendation recommend(const LawForm& law, std::span<const double> x,
                         const std::vector<PrecisionConfig>& configs, const SpeedupModel& speedups,
                         const Budget& budget, const std::vector<std::vector<double>>& samples) {
  if (configs.empty()) throw Error(ErrorKind::kUserInput, "no precision configurations to compare");
  if (!(budget.n_max > 0 && budget.d_max > 0)) {
    throw Error(ErrorKind::kUserInput,
                fmt::format("budget needs positive N and D, got N={} D={}", budget.n_max, budget.d_max));
  }
  Recommendation r;
  r.budget = budget;
  for (const auto& c : configs) {
    ConfigScore s;
    s.config = c;
    s.speedup = speedups.speedup(c, budget.n_max);
    s.n_effective = budget.n_max * s.speedup.fwd;
    s.d_effective = budget.d_max * s.speedup.training() / s.speedup.fwd;
    r.scores.push_back(s);
  }
  const std::vector<double> l = losses(law, x, r.scores);
  for (size_t i = 0; i < l.size(); ++i) r.scores[i].loss = l[i];
  r.winner = argmin(l);
  r.margin = margin_of(l, r.winner);
  r.tied.push_back(r.winner);
  for (size_t i = 0; i < l.size(); ++i) {
    if (i != r.winner && std::log(l[i] / l[r.winner]) < kTieMargin) r.tied.push_back(i);
  }
  if (!samples.empty()) {
    size_t wins = 0;
    size_t ties = 0;
    for (const auto& sample : samples) {
      const std::vector<double> ls = losses(law, sample, r.scores);
      const size_t best = argmin(ls);
      if (std::log(ls[r.winner] / ls[best]) < kTieMargin && margin_of(ls, best) < kTieMargin) {
        ++ties;  // the winner is within the margin of the best, and so is some other configuration
      } else if (best == r.winner) {
        ++wins;
      }
    }
    r.samples_used = samples.size();
    r.probability_best = static_cast<double>(wins) / static_cast<double>(samples.size());
    r.probability_tied = static_cast<double>(ties) / static_cast<double>(samples.size());
  }
  return r;
}

std::vector<double> log_space(double lo, double hi, size_t count) {
  LPS_CHECK(lo > 0 && hi >= lo && count >= 1);
  std::vector<double> out;
  for (size_t i = 0; i < count; ++i) {
    const double t = count == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(count - 1);
    out.push_back(std::exp(std::log(lo) + t * (std::log(hi) - std::log(lo))));
  }
  return out;
}

RegionMap region_map(const LawForm& law, std::span<const double> x,
                     const std::vector<PrecisionConfig>& configs, const SpeedupModel& speedups,
                     const std::vector<double>& n_values, const std::vector<double>& ratio_values) {
  RegionMap map;
  map.n_values = n_values;
  map.ratio_values = ratio_values;
  map.configs = configs;
  for (double ratio : ratio_values) {
    std::vector<int> row;
    std::vector<double> margins;
    for (double n : n_values) {
      const Recommendation r = recommend(law, x, configs, speedups, Budget{n, ratio * n});
      row.push_back(static_cast<int>(r.winner));
      margins.push_back(r.margin);
    }
    map.winner.push_back(std::move(row));
    map.margin.push_back(std::move(margins));
  }
  return map;
}

}  // namespace lps::analysis
