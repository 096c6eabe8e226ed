// What a fit returns: the winning parameters, the cost in scipy's ½Σρ convention, and a report.
#pragma once

#include <lps/analysis/fit_options.h>
#include <lps/analysis/observation.h>

#include <string>
#include <vector>

namespace lps::analysis {

struct PointResidual {
  Observation observation;  // the data point (canonical order)
  double predicted = 0;     // L̂
  double log_residual = 0;  // ln L − ln L̂ (unscaled)
};

struct FitResult {
  LawSpec spec;                    // the law that was fitted
  std::string formula;             // e.g. "L = (A/(N*effN)^alpha + B/(D*effD)^beta)^gamma + E"
  std::vector<std::string> names;  // parameter names (law order)
  std::vector<double> x;           // raw parameter values (a, alpha, b, ...), law order
  std::vector<bool> fixed;         // true where the parameter was held (by request or untouched by data)
  double cost = 0;                 // ½Σρ(s·r) at x
  double rms_log_residual = 0;     // sqrt(mean r²)
  double aic = 0;                  // n·ln(RSS/n) + 2k  (Gaussian on log residuals; k = free parameters)
  double bic = 0;                  // n·ln(RSS/n) + k·ln n
  size_t num_points = 0;
  size_t num_free = 0;
  size_t num_starts = 0;                 // starts tried
  size_t failed_starts = 0;              // starts that overflowed or produced NaN
  size_t best_start = 0;                 // index of the winning start in the grid
  std::vector<PointResidual> residuals;  // per point, canonical order

  // Value of a parameter by name (raw, as in x); throws if absent.
  [[nodiscard]] double value(const std::string& name) const;
};

}  // namespace lps::analysis
