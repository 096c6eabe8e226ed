// Multi-start robust least-squares fit of a LawForm to observations (Ceres).
//
// fit_law sorts the observations canonically (so any row order gives the same bits), runs every start of
// the grid in parallel threads with ceres::TinySolver (Levenberg–Marquardt with analytic Jacobians on the
// square-root-Huber residual, whose ½Σf² equals ½Σρ exactly), counts starts whose initial or final point
// is not finite as failed, picks the lowest final cost (ties: lowest start index) and — with
// options.polish — refines that point with ceres::Solve using ceres::HuberLoss(δ). It reproduces the
// published scipy.optimize.least_squares fits of the Quartet and Epoch notebooks from the same data.
#pragma once

#include <lps/analysis/fit_options.h>
#include <lps/analysis/fit_result.h>
#include <lps/analysis/law_form.h>
#include <lps/analysis/observation.h>

#include <span>
#include <vector>

namespace lps::analysis {

// Throws UserInputError for bad observations/options, lps::Error(kRun) if every start failed.
[[nodiscard]] FitResult fit_law(const LawForm& law, std::vector<Observation> observations,
                                const FitOptions& options);

// ½Σρ(s·(ln L − ln L̂)) for full parameter vector x (law order). Non-finite if the law overflows.
[[nodiscard]] double huber_cost(const LawForm& law, std::span<const Observation> observations,
                                std::span<const double> x, const FitOptions& options);

// Fills a FitResult's report (residuals, RMS, AIC/BIC, cost) for x; used by fit_law and by callers that
// evaluate published parameters.
[[nodiscard]] FitResult evaluate_fit(const LawForm& law, std::vector<Observation> observations,
                                     std::vector<double> x, std::vector<bool> fixed,
                                     const FitOptions& options);

}  // namespace lps::analysis
