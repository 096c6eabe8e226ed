// Stratified run-level bootstrap of fit_law / fit_staged.
#include <lps/analysis/bootstrap.h>
#include <lps/analysis/fitter.h>
#include <lps/core/diagnostic.h>
#include <lps/core/error.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>

#include "parallel_for.h"

namespace lps::analysis {
namespace {

// Resamples within each (fwd, bwd) group; groups in canonical order so the draw is row-order independent.
std::vector<Observation> resample(const std::vector<Observation>& canonical, uint64_t seed) {
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> groups;
  for (size_t i = 0; i < canonical.size(); ++i) groups[{canonical[i].fwd, canonical[i].bwd}].push_back(i);
  std::mt19937_64 rng(seed);
  std::vector<Observation> out;
  out.reserve(canonical.size());
  for (const auto& [key, idx] : groups) {
    for (size_t k = 0; k < idx.size(); ++k) out.push_back(canonical[idx[rng() % idx.size()]]);
  }
  return out;
}

FitOptions refit_options(const LawForm& law, const FitOptions& options, const std::vector<double>& start,
                         const std::vector<bool>& fixed, bool full_grid) {
  FitOptions o = options;
  o.threads = 1;
  o.polish = false;
  o.starts.clear();
  for (size_t i = 0; i < start.size(); ++i) {
    if (!fixed[i]) o.starts.emplace_back(law.parameter_names()[i], start[i]);
  }
  if (!full_grid) o.grid = StartGrid{};
  return o;
}

BootstrapResult summarise(const LawForm& law, const std::vector<double>& estimate,
                          std::vector<std::optional<std::vector<double>>> replicates, double confidence) {
  BootstrapResult out;
  for (auto& r : replicates) {
    if (r)
      out.samples.push_back(std::move(*r));
    else
      ++out.failed;
  }
  if (out.samples.empty()) throw Error(ErrorKind::kRun, "every bootstrap refit failed");
  const double tail = (1 - confidence) / 2;
  for (size_t i = 0; i < estimate.size(); ++i) {
    std::vector<double> v;
    for (const auto& s : out.samples) v.push_back(s[i]);
    out.intervals.push_back(
        {law.parameter_names()[i], estimate[i], percentile(v, tail), percentile(v, 1 - tail)});
  }
  return out;
}

}  // namespace

void BootstrapOptions::validate() const {
  DiagnosticList problems;
  if (replicates < 2)
    problems.add({"bootstrap options", 0, 0, "replicates", "needs at least 2 (1,000 or more to report)"});
  if (!(confidence > 0 && confidence < 1))
    problems.add({"bootstrap options", 0, 0, "confidence", "must be in (0, 1)"});
  if (threads < 0) problems.add({"bootstrap options", 0, 0, "threads", "must be >= 0"});
  problems.throw_if_any();
}

double percentile(std::vector<double> values, double q) {
  LPS_CHECK(!values.empty());
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

BootstrapResult bootstrap_fit(const LawForm& law, const std::vector<Observation>& observations,
                              const FitResult& point, const FitOptions& options,
                              const BootstrapOptions& bootstrap) {
  bootstrap.validate();
  const std::vector<Observation> canonical = canonical_order(observations);
  const FitOptions o = refit_options(law, options, point.x, point.fixed, bootstrap.full_grid);
  std::vector<std::optional<std::vector<double>>> reps(bootstrap.replicates);
  detail::parallel_for(reps.size(), bootstrap.threads, [&](size_t r) {
    try {
      reps[r] = fit_law(law, resample(canonical, bootstrap.seed + r), o).x;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kRun) throw;
    }
  });
  return summarise(law, point.x, std::move(reps), bootstrap.confidence);
}

BootstrapResult bootstrap_staged(const LawForm& law, const std::vector<Observation>& observations,
                                 const StagedFit& point, const StagedFitOptions& options,
                                 const BootstrapOptions& bootstrap) {
  bootstrap.validate();
  const std::vector<Observation> canonical = canonical_order(observations);
  StagedFitOptions o = options;
  o.base = refit_options(law, options.base, point.base.x, point.base.fixed, bootstrap.full_grid);
  if (!bootstrap.full_grid) o.start_from = point.x;  // efficiencies start from their point estimates too
  std::vector<std::optional<std::vector<double>>> reps(bootstrap.replicates);
  detail::parallel_for(reps.size(), bootstrap.threads, [&](size_t r) {
    try {
      reps[r] = fit_staged(law, resample(canonical, bootstrap.seed + r), o).x;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kRun) throw;
    }
  });
  return summarise(law, point.x, std::move(reps), bootstrap.confidence);
}

}  // namespace lps::analysis
