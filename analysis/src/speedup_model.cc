// Bit-count and tabulated speedup models.
#include <fmt/format.h>
#include <lps/analysis/observation_csv.h>
#include <lps/analysis/speedup_model.h>
#include <lps/core/error.h>

#include <algorithm>
#include <cmath>

namespace lps::analysis {

BitCountSpeedups::BitCountSpeedups(std::map<std::string, double> bits, std::string baseline,
                                   double baseline_bits)
    : bits_(std::move(bits)), baseline_(std::move(baseline)), baseline_bits_(baseline_bits) {
  LPS_CHECK(baseline_bits_ > 0);
  for (const auto& [k, v] : bits_) {
    if (!(v > 0))
      throw Error(ErrorKind::kUserInput, fmt::format("bits for '{}' must be positive, got {}", k, v));
  }
}

double BitCountSpeedups::bits_of(const std::string& scheme) const {
  if (scheme == baseline_ || scheme.empty()) return baseline_bits_;
  auto it = bits_.find(scheme);
  if (it == bits_.end()) {
    std::vector<std::string> known;
    for (const auto& [k, v] : bits_) known.push_back(k);
    throw Error(ErrorKind::kUserInput, fmt::format("bit-count speedups: no bit width for scheme '{}' (give "
                                                   "--bits {}=4; known: {})",
                                                   scheme, scheme, fmt::join(known, ", ")));
  }
  return it->second;
}

Speedup BitCountSpeedups::speedup(const PrecisionConfig& config, double) const {
  return Speedup{baseline_bits_ / bits_of(config.fwd), baseline_bits_ / bits_of(config.bwd)};
}

std::string BitCountSpeedups::describe() const {
  return fmt::format("bit-count model: baseline {} = {} bits; speedup per GEMM = baseline bits / scheme bits",
                     baseline_, baseline_bits_);
}

void SpeedupTable::add(const PrecisionConfig& config, SpeedupRow row) {
  LPS_CHECK(row.n > 0 && row.speedup.fwd > 0 && row.speedup.bwd > 0, "bad speedup row for {}", config.name());
  auto& entry = rows_[config.name()];
  entry.first = config;
  entry.second.push_back(row);
  std::sort(entry.second.begin(), entry.second.end(), [](const auto& x, const auto& y) { return x.n < y.n; });
}

Speedup SpeedupTable::speedup(const PrecisionConfig& config, double n) const {
  if (config.name() == baseline_.name()) return Speedup{};
  auto it = rows_.find(config.name());
  if (it == rows_.end()) {
    throw Error(ErrorKind::kUserInput, fmt::format("speedup table: no rows for configuration {} (have: {})",
                                                   config.name(), describe()));
  }
  const auto& rows = it->second.second;
  if (n <= rows.front().n) return rows.front().speedup;
  if (n >= rows.back().n) return rows.back().speedup;
  auto hi =
      std::upper_bound(rows.begin(), rows.end(), n, [](double v, const SpeedupRow& r) { return v < r.n; });
  auto lo = hi - 1;
  const double t = (std::log(n) - std::log(lo->n)) / (std::log(hi->n) - std::log(lo->n));
  return Speedup{lo->speedup.fwd + t * (hi->speedup.fwd - lo->speedup.fwd),
                 lo->speedup.bwd + t * (hi->speedup.bwd - lo->speedup.bwd)};
}

std::string SpeedupTable::describe() const {
  std::vector<std::string> parts;
  for (const auto& [name, entry] : rows_) {
    parts.push_back(fmt::format("{} ({} rows, N {:.3g}…{:.3g})", name, entry.second.size(),
                                entry.second.front().n, entry.second.back().n));
  }
  return fmt::format("speedup table vs baseline {}: {}", baseline_.name(), fmt::join(parts, "; "));
}

std::vector<PrecisionConfig> SpeedupTable::configs() const {
  std::vector<PrecisionConfig> out;
  for (const auto& [name, entry] : rows_) out.push_back(entry.first);
  return out;
}

namespace {

// Rows of (N, forward speedup, backward speedup[, label]) through the observation reader: N → n,
// forward → d, backward → loss, label ← label_col.
std::vector<Observation> read_speedup_rows(const std::filesystem::path& path, const std::string& n_col,
                                           const std::string& fwd_col, const std::string& bwd_col,
                                           const std::string& label_col) {
  CsvColumns cols;
  cols.n = n_col;
  cols.d = fwd_col;
  cols.loss = bwd_col;
  if (!label_col.empty()) cols.label = label_col;
  std::vector<Observation> rows = read_observations_csv(path, cols, {});
  for (const Observation& o : rows) {
    if (!(o.n > 0 && o.d > 0 && o.loss > 0)) {
      throw Error(ErrorKind::kUserInput,
                  fmt::format("{}: {}: speedups and N must be positive", path.string(), o.label));
    }
  }
  return rows;
}

}  // namespace

PrecisionConfig parse_precision_config(const std::string& text) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size()) {
    throw Error(ErrorKind::kUserInput, fmt::format("configuration '{}': write FWD/BWD, e.g. QuEST/BF16", text));
  }
  return {text.substr(0, slash), text.substr(slash + 1)};
}

void read_speedup_csv(SpeedupTable& table, const std::filesystem::path& path, const PrecisionConfig& config,
                      const std::string& n_col, const std::string& fwd_col, const std::string& bwd_col) {
  for (const Observation& o : read_speedup_rows(path, n_col, fwd_col, bwd_col, ""))
    table.add(config, SpeedupRow{o.n, Speedup{o.d, o.loss}});
}

void read_speedup_table_csv(SpeedupTable& table, const std::filesystem::path& path, const std::string& n_col,
                            const std::string& fwd_col, const std::string& bwd_col, const std::string& config_col) {
  for (const Observation& o : read_speedup_rows(path, n_col, fwd_col, bwd_col, config_col)) {
    const PrecisionConfig config = parse_precision_config(o.label);
    if (config.fwd == table.baseline().fwd && config.bwd == table.baseline().bwd) continue;
    table.add(config, SpeedupRow{o.n, Speedup{o.d, o.loss}});
  }
}

}  // namespace lps::analysis
