// Human-readable fit reports (what `lpsweep fit` prints): the law with its parameters and bootstrap
// intervals, cost (½Σρ), RMS log residual, AIC/BIC, start counts, stages, per-point residuals, held-out
// error.
#pragma once

#include <lps/analysis/bootstrap.h>
#include <lps/analysis/fit_request.h>
#include <lps/analysis/held_out.h>
#include <lps/analysis/recommender.h>

#include <string>

namespace lps::analysis {

[[nodiscard]] std::string format_fit_report(const FitOutcome& outcome, const BootstrapResult* bootstrap,
                                            const HeldOutCheck* held_out, bool residual_table = true);

[[nodiscard]] std::string format_recommendation(const Recommendation& recommendation);

[[nodiscard]] std::string format_region_map(const RegionMap& map);

}  // namespace lps::analysis
