// The analysis end of a sweep: its finished runs as fitter observations, and the automatic
// fit → recommend → plot → export step of `lpsweep run` (and `lpsweep fit --sweep FILE`).
#pragma once

#include <lps/analysis/observation.h>
#include <lps/config/sweep_spec.h>
#include <lps/store/store.h>

#include <map>
#include <string>
#include <vector>

namespace lps::cli {

// Completed runs of `sweep` as observations. Labels: a run's forward label is its scheme's name when any
// forward operand is quantized, else `baseline`; likewise for the backward label — so `quest_fwd` gives
// effN only, a backward-only scheme effD only, and `quartet` both. Diverged and failed runs are excluded
// and listed in the log, and in *excluded ("label (state: error)") when given.
[[nodiscard]] std::vector<analysis::Observation> sweep_observations(const store::Store& store,
                                                                    const std::string& sweep,
                                                                    const std::string& baseline,
                                                                    std::vector<std::string>* excluded = nullptr);

// Bits per GEMM operand of each scheme label in the sweep (16 for BF16, 8 for FP8, 4 for FP4), for the
// bit-count speedup model.
[[nodiscard]] std::map<std::string, double> sweep_scheme_bits(const config::SweepSpec& spec);

// Makes `--sweep SWEEP_FILE` work in fit, recommend, plot and export fit.
void install_sweep_observation_source();

// After every run of the sweep finished: fit the law of spec.fit (staged, with bootstrap intervals and the
// held-out check), print it, recommend a precision for the budget of the sweep's largest run scaled 10×,
// write <output>/fit.json, <output>/fit_report.txt and plots under <output>/plots.
void after_sweep_analysis(const config::SweepSpec& spec, store::Store& store);

}  // namespace lps::cli
