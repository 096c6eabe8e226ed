// Text reports for fits, recommendations and region maps.
#include <fmt/format.h>
#include <lps/analysis/fit_report.h>

#include <algorithm>
#include <cmath>

namespace lps::analysis {

std::string format_fit_report(const FitOutcome& outcome, const BootstrapResult* bootstrap,
                              const HeldOutCheck* held_out, bool residual_table) {
  const LawForm& law = *outcome.law;
  const FitResult& fit = outcome.fit;
  std::string s = fmt::format("law: {}   ({} fit, baseline {})\n", fit.formula,
                              outcome.staged ? "staged" : "single", law.spec().baseline);
  const double conf = 95;
  s += bootstrap != nullptr ? fmt::format("{:<28} {:>16} {:>16} {:>16}\n", "parameter", "value",
                                          fmt::format("{:.0f}% lo", conf), fmt::format("{:.0f}% hi", conf))
                            : fmt::format("{:<28} {:>16}\n", "parameter", "value");
  for (size_t i = 0; i < fit.x.size(); ++i) {
    const std::string name = law.display_name(i) + (fit.fixed[i] ? " (fixed)" : "");
    s += fmt::format("{:<28} {:>16.8g}", name, law.display_value(i, fit.x[i]));
    if (bootstrap != nullptr && !fit.fixed[i]) {
      s += fmt::format(" {:>16.8g} {:>16.8g}", law.display_value(i, bootstrap->intervals[i].lo),
                       law.display_value(i, bootstrap->intervals[i].hi));
    }
    s += "\n";
  }
  if (bootstrap != nullptr) {
    s += fmt::format(
        "bootstrap: {} refits ({} failed), percentile intervals, runs resampled per scheme pair\n",
        bootstrap->samples.size() + bootstrap->failed, bootstrap->failed);
  }
  s += fmt::format("cost (0.5*sum rho, scipy convention): {:.10g}\n", fit.cost);
  s +=
      fmt::format("RMS log residual: {:.6g}   points: {}   free parameters: {}   AIC: {:.4f}   BIC: {:.4f}\n",
                  fit.rms_log_residual, fit.num_points, fit.num_free, fit.aic, fit.bic);
  s += fmt::format("starts: {} ({} failed: overflow or NaN), best start #{}\n", fit.num_starts,
                   fit.failed_starts, fit.best_start);
  if (outcome.staged) {
    s += fmt::format("stage 1 (baseline runs): {} points, cost {:.10g}\n", outcome.staged->base.num_points,
                     outcome.staged->base.cost);
    for (const auto& e : outcome.staged->separate) {
      s += fmt::format("stage 2 fwd={} bwd={}: {} = {:.6g} ({} points, cost {:.6g})\n", e.fwd, e.bwd,
                       e.names[0], e.values[0], e.fit.num_points, e.fit.cost);
    }
    for (const auto& e : outcome.staged->joint) {
      s += fmt::format("joint   fwd={} bwd={}: {} = {:.6g}, {} = {:.6g} ({} points, cost {:.6g})\n", e.fwd,
                       e.bwd, e.names[0], e.values[0], e.names[1], e.values[1], e.fit.num_points, e.fit.cost);
    }
    for (const auto& k : outcome.staged->skipped) s += fmt::format("skipped: {}\n", k);
  }
  if (held_out != nullptr) {
    s += fmt::format(
        "held-out check: refit without N = {:.6g} ({} points); predicting it: mean |ln L - ln Lhat| = "
        "{:.4g}, max {:.4g}\n",
        held_out->held_out_n, held_out->predictions.size(), held_out->mean_abs_log_error,
        held_out->max_abs_log_error);
  }
  if (residual_table) {
    s += fmt::format("{:>14} {:>16} {:>24} {:>10} {:>10} {:>10}\n", "N", "D", "fwd/bwd", "loss", "predicted",
                     "resid %");
    for (const auto& r : fit.residuals) {
      s += fmt::format("{:>14.6g} {:>16.6g} {:>24} {:>10.5f} {:>10.5f} {:>10.4f}\n", r.observation.n,
                       r.observation.d, r.observation.fwd + "/" + r.observation.bwd, r.observation.loss,
                       r.predicted, 100 * r.log_residual);
    }
  }
  return s;
}

std::string format_recommendation(const Recommendation& r) {
  std::string s = fmt::format("budget: N = {:.4g} parameters, D = {:.4g} tokens (6ND = {:.4g} FLOPs)\n",
                              r.budget.n_max, r.budget.d_max, 6 * r.budget.n_max * r.budget.d_max);
  s += fmt::format("{:<40} {:>8} {:>8} {:>8} {:>12} {:>12} {:>10}\n", "configuration (fwd/bwd)", "spfw",
                   "spbw", "sptr", "N used", "D used", "loss");
  for (size_t i = 0; i < r.scores.size(); ++i) {
    const auto& c = r.scores[i];
    s += fmt::format("{:<40} {:>8.4g} {:>8.4g} {:>8.4g} {:>12.4g} {:>12.4g} {:>10.5f}{}\n", c.config.name(),
                     c.speedup.fwd, c.speedup.bwd, c.speedup.training(), c.n_effective, c.d_effective, c.loss,
                     std::find(r.tied.begin(), r.tied.end(), i) == r.tied.end() ? ""  // the winner is in `tied`
                     : r.is_tie()                                               ? "  <- tied"
                                                                                : "  <- best");
  }
  const auto& w = r.scores[r.winner];
  if (r.is_tie()) {
    std::string names;
    for (size_t i : r.tied) names += (names.empty() ? "" : ", ") + r.scores[i].config.name();
    s += fmt::format("tie: {} predict losses within {:.2g}% of each other ({:.5f}): at this budget the law does not "
                     "tell them apart, so it gives no reason to prefer one — a budget nearer the sweep's runs, or "
                     "a sweep reaching nearer this budget, would",
                     names, 100 * kTieMargin, w.loss);
  } else {
    s += fmt::format("winner: {} with predicted loss {:.5f}, {:.3g}% below the next best", w.config.name(), w.loss,
                     100 * std::expm1(r.margin));
  }
  if (r.probability_best >= 0) {
    s += fmt::format("; {} best in {:.1f}% of {} bootstrap samples", w.config.name(), 100 * r.probability_best,
                     r.samples_used);
    if (r.probability_tied > 0) s += fmt::format(", tied in {:.1f}%", 100 * r.probability_tied);
  }
  return s + "\n";
}

std::string format_region_map(const RegionMap& map) {
  std::string s = "region map: winner per (N, D/N); legend:";
  for (size_t i = 0; i < map.configs.size(); ++i) s += fmt::format(" {}={}", i, map.configs[i].name());
  s += fmt::format("\n{:>10} |", "D/N \\ N");
  for (double n : map.n_values) s += fmt::format(" {:>8.2g}", n);
  s += "\n";
  for (size_t r = map.ratio_values.size(); r-- > 0;) {
    s += fmt::format("{:>10.4g} |", map.ratio_values[r]);
    for (int w : map.winner[r]) s += fmt::format(" {:>8}", w);
    s += "\n";
  }
  return s;
}

}  // namespace lps::analysis
