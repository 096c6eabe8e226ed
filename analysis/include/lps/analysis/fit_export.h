// Exporting fits. JSON (schema "lpsweep.fit", version kFitSchemaVersion) holds the law, the method and all
// its settings, the data subset and the result, with every double written in round-trip precision — enough
// to refit identically: load_fit_request(export_fit_json(...)) → run_fit gives the same bits.
// CSV holds one row per parameter (name, raw, display name, display value, fixed, interval).
//
// JSON layout (version 1):
//   { "schema": "lpsweep.fit", "schema_version": 1,
//     "law": {"kind", "baseline", "formula", "parameters": [names]},
//     "method": {"mode", "algorithm", "cost_convention", "huber_delta", "residual_scale", "grid": [[name,
//     [values]]]|null,
//                "fixed": [[name, value]], "starts": [[name, value]], "max_iterations", "polish", "threads",
//                "staged": {"eff_d_starts", "eff_n_starts", "joint_starts", "min_points"}},
//     "data": [{"n", "d", "loss", "fwd", "bwd", "label"}],
//     "result": {"parameters": [{"name", "value", "display_name", "display_value", "fixed", "ci_lo",
//     "ci_hi"}],
//                "cost", "rms_log_residual", "aic", "bic", "num_points", "num_free", "num_starts",
//                "failed_starts", "best_start", "residuals": [{"n", "d", "fwd", "bwd", "loss", "predicted",
//                "log_residual"}], "stages": [{"fwd", "bwd", "names", "values", "cost"}] (staged only)},
//     "bootstrap": {"replicates", "failed", "seed", "confidence"} (optional),
//     "held_out": {"n", "mean_abs_log_error", "max_abs_log_error"} (optional) }
#pragma once

#include <lps/analysis/bootstrap.h>
#include <lps/analysis/fit_request.h>
#include <lps/analysis/held_out.h>

#include <string>

namespace lps::analysis {

inline constexpr int kFitSchemaVersion = 1;

struct FitExtras {
  const BootstrapResult* bootstrap = nullptr;  // intervals and replicate counts (optional)
  const BootstrapOptions* bootstrap_options = nullptr;
  const HeldOutCheck* held_out = nullptr;  // optional
};

[[nodiscard]] std::string export_fit_json(const FitRequest& request, const FitOutcome& outcome,
                                          const FitExtras& extras = {});
[[nodiscard]] std::string export_fit_csv(const FitOutcome& outcome, const FitExtras& extras = {});

// Reads the request (law, method, data) back from an exported JSON document; throws UserInputError naming
// `source` and the key for a wrong schema, version or missing field.
[[nodiscard]] FitRequest load_fit_request(const std::string& json_text, const std::string& source);

}  // namespace lps::analysis
