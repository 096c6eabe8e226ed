// A fit described as data — law, mode, options, observations — so the CLI, the exporter and a reload all
// run exactly the same computation (export → reload → refit gives identical bits).
#pragma once

#include <lps/analysis/bootstrap.h>
#include <lps/analysis/fit_result.h>
#include <lps/analysis/held_out.h>
#include <lps/analysis/law_form.h>
#include <lps/analysis/staged_fit.h>

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace lps::analysis {

enum class FitMode {
  kSingle,  // one fit_law over all observations (every efficiency free jointly with the core)
  kStaged,  // fit_staged: baseline constants, then efficiencies (the Quartet paper's procedure)
};

[[nodiscard]] std::string_view to_string(FitMode mode);
[[nodiscard]] FitMode parse_fit_mode(std::string_view text);  // "single" | "staged"

struct FitRequest {
  LawSpec spec;                     // law form and baseline label
  FitMode mode = FitMode::kStaged;  // how to fit
  FitOptions options;               // single fit, or stage 1 of a staged fit
  StagedFitOptions staged;          // stage 2 / joint settings (staged.base is replaced by `options`)
  std::vector<Observation> observations;
};

struct FitOutcome {
  std::unique_ptr<LawForm> law;
  FitResult fit;  // single: the fit; staged: stage 1 with x replaced by the full law vector
  std::optional<StagedFit> staged;
  [[nodiscard]] const std::vector<double>& x() const { return fit.x; }
};

// Runs the request. For staged fits, `fit.x` is the full law vector and `fit`'s report (cost, residuals)
// is evaluated on all observations at that vector; stage details are in `staged`.
[[nodiscard]] FitOutcome run_fit(const FitRequest& request);

// Bootstrap for the request's mode.
[[nodiscard]] BootstrapResult run_bootstrap(const FitRequest& request, const FitOutcome& outcome,
                                            const BootstrapOptions& options);

// Held-out check for the request: refit (same mode) without the largest N, predict it.
[[nodiscard]] HeldOutCheck run_held_out(const FitRequest& request);

}  // namespace lps::analysis
