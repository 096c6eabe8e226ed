// The data behind `lpsweep plot`, as JSON for analysis/plot/plot_fit.py (matplotlib):
//   {"schema": "lpsweep.plot", "schema_version": 1, "formula", "parameters": {display name: value},
//    "points": [{"n", "d", "loss", "fwd", "bwd", "predicted", "log_residual"}],
//    "curves": [{"n", "fwd", "bwd", "d": [...], "loss": [...]}]      (fitted law per model size and scheme
//    pair), "map": {"n": [...], "ratio": [...], "configs": [names], "winner": [[...]], "margin": [[...]]} |
//    null}
#pragma once

#include <lps/analysis/fit_request.h>
#include <lps/analysis/recommender.h>

#include <string>

namespace lps::analysis {

[[nodiscard]] std::string plot_data_json(const FitOutcome& outcome, const RegionMap* map,
                                         size_t points_per_curve = 64);

}  // namespace lps::analysis
