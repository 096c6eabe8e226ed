// How a law is fitted: robust loss, starts, fixed parameters, threads.
// The defaults reproduce the Quartet paper's fit: residual r = ln L − ln L̂, cost ½Σρ(r) with scipy's
// least_squares 'huber' loss at f_scale δ (ρ(r) = r² for |r| ≤ δ, 2δ|r| − δ² beyond; identical to
// ceres::HuberLoss(δ)), multi-start over the law's default grid, the lowest final cost wins.
#pragma once

#include <lps/analysis/law_form.h>
#include <lps/analysis/start_grid.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lps::analysis {

inline constexpr double kQuartetHuberDelta =
    1e-4;  // Quartet notebooks: least_squares(loss='huber', f_scale=1e-4)
inline constexpr double kEpochHuberDelta = 1e-3;  // Hoffmann et al. / Epoch AI's Chinchilla replication

struct FitOptions {
  double huber_delta = kQuartetHuberDelta;  // Huber threshold δ on the (scaled) log residuals; > 0
  double residual_scale = 1.0;    // residuals are multiplied by this before ρ (QuEST notebook: 1e-3)
  std::optional<StartGrid> grid;  // multi-start grid; unset → the law's default_grid()
  std::vector<std::pair<std::string, double>> fixed;   // parameters held at a value (names as in the law)
  std::vector<std::pair<std::string, double>> starts;  // start values for free parameters off the grid
  int threads = 0;           // worker threads for the starts; 0 = all hardware threads
  int max_iterations = 200;  // Levenberg–Marquardt iterations per start (screening included)
  // Screening (deterministic; depends only on all starts' results): every start first runs
  // screen_iterations; only starts whose cost is within screen_ratio × the best screened cost, or among the
  // screen_keep_fraction cheapest, run on to max_iterations. Most grid starts drift in flat valleys far above
  // the optimum; this is what makes 4,500 starts take a fraction of a second. 0 disables screening.
  int screen_iterations = 20;
  double screen_ratio = 2.0;
  double screen_keep_fraction = 0.05;
  bool polish = true;  // refine the winner with ceres::Solve (HuberLoss, DENSE_QR)

  // Throws one UserInputError listing every problem (unknown parameter names, δ ≤ 0, ...).
  void validate(const LawForm& law) const;
};

// Per-law defaults: Quartet → δ 1e-4 and the 486-start grid; Chinchilla → δ 1e-3 and Epoch's 4,500 starts;
// QuEST → the QuEST notebook's convention (residuals × 1e-3, δ 1: plain least squares) and its grid.
[[nodiscard]] FitOptions default_fit_options(LawKind kind);

}  // namespace lps::analysis
