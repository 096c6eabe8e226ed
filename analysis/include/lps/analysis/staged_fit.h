// The Quartet paper's staged fit:
//   stage 1  the law's core constants on baseline runs (fwd = bwd = baseline);
//   stage 2  core frozen; effD[B] on runs with baseline forward and backward B, effN[F] on runs with
//            forward F and baseline backward (QuEST form: eff[F] likewise);
//   joint    core frozen; (effN[F], effD[B]) together on runs with forward F and backward B, both
//   non-baseline.
// Each stage is one fit_law call with fixed parameters and the notebook's start grid.
#pragma once

#include <lps/analysis/fit_result.h>
#include <lps/analysis/law_form.h>

#include <string>
#include <vector>

namespace lps::analysis {

struct StagedFitOptions {
  FitOptions base = default_fit_options(LawKind::kQuartet);  // stage 1 settings (δ, grid, threads, ...)
  std::vector<double> eff_d_starts{1.0};       // stage 2 effD start values (Quartet notebook: [1.0])
  std::vector<double> eff_n_starts{0.5};       // stage 2 effN start values (Quartet notebook: [0.5])
  std::vector<double> joint_starts{0.5, 1.0};  // joint fits: each of effN, effD starts on this grid
  size_t min_points = 1;                       // stages with fewer observations are skipped (and listed)
  std::vector<double> start_from;  // if set (a law vector): every efficiency starts only at its value
};

// One efficiency fit: which scheme(s), its parameters' values, and the fit's report.
struct EfficiencyFit {
  std::string fwd;                 // forward label (the baseline for effD-only fits)
  std::string bwd;                 // backward label (the baseline for effN-only fits)
  std::vector<std::string> names;  // fitted parameter names, e.g. {"effD[SR]"} or {"effN[Q]", "effD[SR]"}
  std::vector<double> values;      // their values
  FitResult fit;                   // the stage's fit (core fixed)
};

struct StagedFit {
  FitResult base;                       // stage 1
  std::vector<EfficiencyFit> separate;  // stage 2 (one per scheme label)
  std::vector<EfficiencyFit> joint;     // joint fits (one per non-baseline (fwd, bwd) pair)
  std::vector<double> x;                // the law's full vector: stage-1 core and stage-2 efficiencies
  std::vector<std::string> skipped;     // stages skipped for lack of data, as text
};

[[nodiscard]] StagedFit fit_staged(const LawForm& law, const std::vector<Observation>& observations,
                                   const StagedFitOptions& options);

// The joint fit's values for (fwd, bwd), if one was made; nullptr otherwise.
[[nodiscard]] const EfficiencyFit* find_joint(const StagedFit& fit, const std::string& fwd,
                                              const std::string& bwd);

}  // namespace lps::analysis
