// Shared fit/recommend/plot flags: observation input, fit settings, speedup models.
#include "fit_cli.h"

#include <fmt/format.h>
#include <lps/analysis/fit_export.h>
#include <lps/analysis/observation_csv.h>
#include <lps/core/diagnostic.h>
#include <lps/core/error.h>

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

namespace lps::cli {
namespace {

SweepObservationSource& sweep_source() {
  static SweepObservationSource source;
  return source;
}

std::pair<std::string, double> parse_assignment(const std::string& text, const std::string& flag) {
  const size_t eq = text.find('=');
  double v = 0;
  if (eq == std::string::npos || eq == 0) {
    throw Error(ErrorKind::kUserInput, fmt::format("{} '{}': write NAME=VALUE", flag, text));
  }
  const std::string value = text.substr(eq + 1);
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || ptr != value.data() + value.size()) {
    throw Error(ErrorKind::kUserInput, fmt::format("{} '{}': '{}' is not a number", flag, text, value));
  }
  return {text.substr(0, eq), v};
}

}  // namespace

void set_sweep_observation_source(SweepObservationSource source) {
  sweep_source() = std::move(source);
}

void add_fit_input_flags(CLI::App* cmd, FitInputFlags& f) {
  auto* g = cmd->add_option_group("input", "where the observations come from");
  g->add_option("--csv", f.csv, "CSV file of finished runs (columns mapped by --n-col, --d-col, ...)");
  g->add_option("--from-fit", f.fit_json, "an `lpsweep export fit --format json` file: its data and method");
  g->add_option("--sweep", f.sweep, "a sweep in the store (its completed runs)");
  g->require_option(1);
  cmd->add_option("--n-col", f.n_col, "CSV column with N (non-embedding parameters)")->capture_default_str();
  cmd->add_option("--d-col", f.d_col, "CSV column with D (training tokens)")->capture_default_str();
  cmd->add_option("--loss-col", f.loss_col, "CSV column with the final loss")->capture_default_str();
  cmd->add_option("--fwd-col", f.fwd_col, "CSV column with the forward scheme label (default: all baseline)");
  cmd->add_option("--bwd-col", f.bwd_col,
                  "CSV column with the backward scheme label (default: all baseline)");
  cmd->add_option("--label-col", f.label_col, "CSV column used as the row label");
  cmd->add_option("--where", f.where,
                  "keep rows where COL=VALUE (also != < <= > >=); repeatable, all must hold");
  cmd->add_option("--law", f.law, "law form: quartet | chinchilla | quest")->capture_default_str();
  cmd->add_option("--mode", f.mode, "staged (baseline constants, then efficiencies) | single (all at once)")
      ->capture_default_str();
  cmd->add_option("--baseline", f.baseline, "scheme label whose efficiencies are 1")->capture_default_str();
  cmd->add_option("--huber-delta", f.huber_delta,
                  "Huber threshold on log residuals (default: 1e-4 quartet, 1e-3 "
                  "chinchilla)");
  cmd->add_option("--fix", f.fix,
                  "hold a parameter: NAME=VALUE in raw units (a, alpha, b, beta, e, gamma, "
                  "effN[X], ...); repeatable");
  cmd->add_option("--threads", f.threads, "worker threads (0: all cores)")->capture_default_str();
}

analysis::FitRequest build_fit_request(const FitInputFlags& f) {
  using namespace analysis;
  FitRequest r;
  if (!f.fit_json.empty()) {
    std::ifstream in(f.fit_json);
    if (!in) throw Error(ErrorKind::kUserInput, fmt::format("{}: cannot open the fit file", f.fit_json));
    std::stringstream text;
    text << in.rdbuf();
    r = load_fit_request(text.str(), f.fit_json);
    r.options.threads = f.threads;
    return r;
  }
  r.spec.kind = parse_law_kind(f.law);
  r.spec.baseline = f.baseline;
  r.mode = parse_fit_mode(f.mode);
  r.options = default_fit_options(r.spec.kind);
  if (f.huber_delta > 0) r.options.huber_delta = f.huber_delta;
  for (const auto& text : f.fix) r.options.fixed.push_back(parse_assignment(text, "--fix"));
  r.options.threads = f.threads;
  if (!f.sweep.empty()) {
    if (!sweep_source()) {
      throw Error(ErrorKind::kUserInput,
                  "--sweep is not available in this build yet; export the runs to CSV "
                  "(`lpsweep export`) and use --csv");
    }
    r.observations = sweep_source()(f.sweep);
  } else {
    CsvColumns cols;
    cols.n = f.n_col;
    cols.d = f.d_col;
    cols.loss = f.loss_col;
    cols.fwd = f.fwd_col;
    cols.bwd = f.bwd_col;
    cols.label = f.label_col;
    cols.fwd_default = f.baseline;
    cols.bwd_default = f.baseline;
    std::vector<RowFilter> filters;
    for (const auto& w : f.where) filters.push_back(parse_row_filter(w));
    r.observations = read_observations_csv(f.csv, cols, filters);
  }
  if (r.observations.empty()) {
    throw Error(ErrorKind::kUserInput,
                "no observations left to fit (check --where filters and column names)");
  }
  return r;
}

void add_speedup_flags(CLI::App* cmd, SpeedupFlags& f) {
  cmd->add_option("--speedups", f.model, "speedup model: bits (bit-count) | table (--speedup-csv)")
      ->capture_default_str();
  cmd->add_option("--bits", f.bits,
                  "bit-count model: LABEL=BITS for each non-baseline scheme (e.g. QuEST=4)");
  cmd->add_option("--baseline-bits", f.baseline_bits, "bits of the baseline format (16 for BF16, 8 for FP8)")
      ->capture_default_str();
  cmd->add_option("--speedup-csv", f.csv, "table model: CSV of speedups vs the baseline per model size");
  cmd->add_option("--speedup-config", f.config, "table model: the FWD/BWD configuration the CSV describes");
  cmd->add_option("--speedup-n-col", f.n_col, "table model: N column")->capture_default_str();
  cmd->add_option("--speedup-fwd-col", f.fwd_col, "table model: forward speedup column")
      ->capture_default_str();
  cmd->add_option("--speedup-bwd-col", f.bwd_col, "table model: backward speedup column")
      ->capture_default_str();
  cmd->add_option("--config", f.configs,
                  "a FWD/BWD configuration to compare (repeatable; default: the baseline "
                  "and every scheme pair in the data)");
}

std::unique_ptr<analysis::SpeedupModel> build_speedup_model(const SpeedupFlags& f,
                                                            const std::string& baseline) {
  using namespace analysis;
  if (f.model == "bits") {
    std::map<std::string, double> bits;
    for (const auto& b : f.bits) bits.insert(parse_assignment(b, "--bits"));
    return std::make_unique<BitCountSpeedups>(bits, baseline, f.baseline_bits);
  }
  if (f.model == "table") {
    if (f.csv.empty()) {
      throw Error(ErrorKind::kUserInput,
                  "--speedups table needs --speedup-csv FILE (and --speedup-config FWD/BWD unless the CSV "
                  "has a config column, as `lpsweep bench train --speedup-csv` writes)");
    }
    auto table = std::make_unique<SpeedupTable>(PrecisionConfig{baseline, baseline});
    if (!f.config.empty()) {
      read_speedup_csv(*table, f.csv, analysis::parse_precision_config(f.config), f.n_col, f.fwd_col, f.bwd_col);
    } else {
      // One row per (model size, configuration): N_params, config (FWD/BWD), forward_speedup, backward_speedup.
      read_speedup_table_csv(*table, f.csv, f.n_col,
                             f.fwd_col == "forward_speedup_vs_fp8" ? "forward_speedup" : f.fwd_col,
                             f.bwd_col == "backward_speedup_vs_fp8" ? "backward_speedup" : f.bwd_col);
    }
    return table;
  }
  throw Error(ErrorKind::kUserInput, fmt::format("--speedups '{}': choose bits or table", f.model));
}

std::vector<analysis::PrecisionConfig> build_configs(const SpeedupFlags& f,
                                                     const analysis::FitRequest& request) {
  std::vector<analysis::PrecisionConfig> out;
  if (!f.configs.empty()) {
    for (const auto& c : f.configs) out.push_back(analysis::parse_precision_config(c));
    return out;
  }
  out.push_back({request.spec.baseline, request.spec.baseline});
  std::set<std::pair<std::string, std::string>> seen{{request.spec.baseline, request.spec.baseline}};
  for (const auto& o : request.observations) {
    if (seen.insert({o.fwd, o.bwd}).second) out.push_back({o.fwd, o.bwd});
  }
  if (f.model == "table" &&
      !f.config.empty()) {  // the table describes one configuration: compare it to baseline
    out = {{request.spec.baseline, request.spec.baseline}, analysis::parse_precision_config(f.config)};
  }
  return out;
}

std::vector<double> parse_log_range(const std::string& text, const std::string& flag) {
  double lo = 0, hi = 0;
  int count = 0;
  char c1 = 0, c2 = 0;
  std::istringstream in(text);
  if (!(in >> lo >> c1 >> hi >> c2 >> count) || c1 != ':' || c2 != ':' || !(lo > 0) || hi < lo || count < 1) {
    throw Error(ErrorKind::kUserInput,
                fmt::format("{} '{}': write LO:HI:COUNT with 0 < LO <= HI, e.g. 1e8:1e11:25", flag, text));
  }
  return analysis::log_space(lo, hi, static_cast<size_t>(count));
}

}  // namespace lps::cli
