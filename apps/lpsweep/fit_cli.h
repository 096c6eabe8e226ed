// Flags and helpers shared by `lpsweep fit`, `recommend`, `plot`, `export fit` and `bench fit`: where the
// observations come from (a CSV with mapped columns and filters, an exported fit JSON, or — once wired — a
// sweep in the store), how to fit them, and which speedup model to use.
#pragma once

#include <lps/analysis/fit_request.h>
#include <lps/analysis/recommender.h>
#include <lps/analysis/speedup_model.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lps::cli {

struct FitInputFlags {
  std::string csv;                 // --csv FILE
  std::string fit_json;            // --from-fit FILE (an `lpsweep export fit --format json` file)
  std::string sweep;               // --sweep NAME (store-backed; see set_sweep_observation_source)
  std::string n_col = "N";         // --n-col
  std::string d_col = "D";         // --d-col
  std::string loss_col = "loss";   // --loss-col
  std::string fwd_col;             // --fwd-col (empty: every row is baseline forward)
  std::string bwd_col;             // --bwd-col
  std::string label_col;           // --label-col
  std::vector<std::string> where;  // --where COL=VALUE (repeatable; also != < <= > >=)
  std::string law = "quartet";     // --law quartet|chinchilla|quest
  std::string mode = "staged";     // --mode staged|single
  std::string baseline = "BF16";   // --baseline LABEL
  double huber_delta = 0;          // --huber-delta (0: the law's default)
  std::vector<std::string> fix;    // --fix NAME=VALUE (repeatable)
  int threads = 0;                 // --threads (0: all)
};

void add_fit_input_flags(CLI::App* cmd, FitInputFlags& flags);

// Reads the observations and builds the request; throws UserInputError / lps::Error with what to fix.
[[nodiscard]] analysis::FitRequest build_fit_request(const FitInputFlags& flags);

// The store-backed input: the lead wires a function that returns a sweep's completed runs (diverged runs
// excluded, and logged) as observations. Until then `--sweep` reports that it is not available.
using SweepObservationSource = std::function<std::vector<analysis::Observation>(const std::string& sweep)>;
void set_sweep_observation_source(SweepObservationSource source);

struct SpeedupFlags {
  std::string model = "bits";      // --speedups bits|table
  std::vector<std::string> bits;   // --bits LABEL=BITS (repeatable)
  double baseline_bits = 16;       // --baseline-bits
  std::string csv;                 // --speedup-csv FILE
  std::string config;              // --speedup-config FWD/BWD (the configuration the CSV rows describe)
  std::string n_col = "N_params";  // --speedup-n-col
  std::string fwd_col = "forward_speedup_vs_fp8";   // --speedup-fwd-col
  std::string bwd_col = "backward_speedup_vs_fp8";  // --speedup-bwd-col
  std::vector<std::string> configs;  // --config FWD/BWD (repeatable; default: every pair in the data)
};

void add_speedup_flags(CLI::App* cmd, SpeedupFlags& flags);

[[nodiscard]] std::unique_ptr<analysis::SpeedupModel> build_speedup_model(const SpeedupFlags& flags,
                                                                          const std::string& baseline);
// The configurations to compare: --config values, or the baseline plus every (fwd, bwd) pair in the data.
[[nodiscard]] std::vector<analysis::PrecisionConfig> build_configs(const SpeedupFlags& flags,
                                                                   const analysis::FitRequest& request);

// "lo:hi:count" → log-spaced values.
[[nodiscard]] std::vector<double> parse_log_range(const std::string& text, const std::string& flag);

}  // namespace lps::cli
