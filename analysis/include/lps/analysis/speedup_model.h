// How much faster a precision configuration trains than the baseline (DESIGN.md §6).
// spfw = forward-pass speedup, spbw = backward-pass speedup; training speedup sptr = 1/(⅓/spfw + ⅔/spbw)
// (the backward pass is two GEMMs to the forward's one).
//
//   BitCountSpeedups  — per GEMM, speedup = baseline bits / scheme bits (FP4 = 2× FP8 = 4× BF16).
//   SpeedupTable      — per configuration, (N, spfw, spbw) rows interpolated linearly in ln N and clamped at
//                       the ends; read from a CSV (e.g. the Quartet paper's RTX 5090 numbers) or filled by
//                       code from measured `lpsweep bench` results.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace lps::analysis {

struct PrecisionConfig {
  std::string fwd;  // forward scheme label (as in the fit)
  std::string bwd;  // backward scheme label
  [[nodiscard]] std::string name() const { return fwd + "/" + bwd; }
};

// "FWD/BWD" (e.g. "QuEST/BF16") → a configuration; a user-input error naming the text otherwise.
[[nodiscard]] PrecisionConfig parse_precision_config(const std::string& text);

struct Speedup {
  double fwd = 1;  // spfw
  double bwd = 1;  // spbw
  [[nodiscard]] double training() const { return 1.0 / (1.0 / (3.0 * fwd) + 2.0 / (3.0 * bwd)); }
};

class SpeedupModel {
 public:
  virtual ~SpeedupModel() = default;
  // Speedup of `config` for a model of n parameters; throws lps::Error(kUserInput) for unknown schemes.
  [[nodiscard]] virtual Speedup speedup(const PrecisionConfig& config, double n) const = 0;
  [[nodiscard]] virtual std::string describe() const = 0;
};

class BitCountSpeedups final : public SpeedupModel {
 public:
  // bits: scheme label → bits per operand (e.g. {"QuEST", 4}); labels equal to `baseline` get baseline_bits.
  BitCountSpeedups(std::map<std::string, double> bits, std::string baseline, double baseline_bits);
  [[nodiscard]] Speedup speedup(const PrecisionConfig& config, double n) const override;
  [[nodiscard]] std::string describe() const override;

 private:
  [[nodiscard]] double bits_of(const std::string& scheme) const;
  std::map<std::string, double> bits_;
  std::string baseline_;
  double baseline_bits_;
};

struct SpeedupRow {
  double n = 0;  // model size the row was measured at
  Speedup speedup;
};

class SpeedupTable final : public SpeedupModel {
 public:
  explicit SpeedupTable(PrecisionConfig baseline) : baseline_(std::move(baseline)) {}
  // Adds a measured row for `config` (rows may come in any order).
  void add(const PrecisionConfig& config, SpeedupRow row);
  [[nodiscard]] Speedup speedup(const PrecisionConfig& config, double n) const override;
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] std::vector<PrecisionConfig> configs() const;
  [[nodiscard]] const PrecisionConfig& baseline() const { return baseline_; }

 private:
  PrecisionConfig baseline_;
  std::map<std::string, std::pair<PrecisionConfig, std::vector<SpeedupRow>>> rows_;  // by config name
};

// Reads rows for `config` from a CSV with columns n_col, fwd_col, bwd_col (speedups vs the baseline), e.g.
// quartet_rtx5090_speedups_vs_fp8.csv with ("N_params", "forward_speedup_vs_fp8", "backward_speedup_vs_fp8").
void read_speedup_csv(SpeedupTable& table, const std::filesystem::path& path, const PrecisionConfig& config,
                      const std::string& n_col, const std::string& fwd_col, const std::string& bwd_col);
// Reads a table of several configurations, one row per (model size, configuration) with the configuration
// ("FWD/BWD") in config_col — what `lpsweep bench train --speedup-csv` writes. The baseline's own rows
// (1× by definition) are skipped.
void read_speedup_table_csv(SpeedupTable& table, const std::filesystem::path& path, const std::string& n_col,
                            const std::string& fwd_col, const std::string& bwd_col,
                            const std::string& config_col = "config");

}  // namespace lps::analysis
