// Stage 1 (baseline constants), stage 2 (one efficiency at a time) and joint efficiency fits.
#include <fmt/format.h>
#include <lps/analysis/fitter.h>
#include <lps/analysis/staged_fit.h>
#include <lps/core/error.h>

#include <map>
#include <set>

namespace lps::analysis {
namespace {

// Options for an efficiency stage: core held at `x`, every efficiency not in `free_names` held at 1.
FitOptions stage_options(const LawForm& law, const std::vector<double>& x, const FitOptions& base,
                         const std::vector<std::string>& free_names,
                         const std::vector<std::vector<double>>& grids) {
  FitOptions o = base;
  o.fixed.clear();
  o.starts.clear();
  for (size_t i = 0; i < law.num_core(); ++i) o.fixed.emplace_back(law.parameter_names()[i], x[i]);
  o.grid = StartGrid{};
  for (size_t k = 0; k < free_names.size(); ++k) o.grid->axes.emplace_back(free_names[k], grids[k]);
  return o;
}

}  // namespace

StagedFit fit_staged(const LawForm& law, const std::vector<Observation>& observations,
                     const StagedFitOptions& options) {
  StagedFit out;
  std::vector<Observation> base_obs;
  std::map<std::string, std::vector<Observation>> by_bwd, by_fwd;
  std::map<std::pair<std::string, std::string>, std::vector<Observation>> by_pair;
  const bool quest = law.kind() == LawKind::kQuest;
  for (const Observation& o : observations) {
    const bool fb = law.is_baseline(o.fwd), bb = law.is_baseline(o.bwd) || quest;
    if (fb && bb)
      base_obs.push_back(o);
    else if (fb)
      by_bwd[o.bwd].push_back(o);
    else if (bb)
      by_fwd[o.fwd].push_back(o);
    else
      by_pair[{o.fwd, o.bwd}].push_back(o);
  }
  if (base_obs.empty()) {
    throw Error(ErrorKind::kUserInput,
                fmt::format("staged fit: no baseline runs (forward and backward '{}') to fit "
                            "the law's constants",
                            law.spec().baseline));
  }
  out.base = fit_law(law, base_obs, options.base);
  out.x = out.base.x;
  if (law.kind() == LawKind::kChinchilla) return out;

  auto starts = [&](int index, const std::vector<double>& grid) {
    return options.start_from.empty() ? grid : std::vector<double>{options.start_from.at(index)};
  };
  auto run_stage = [&](const std::string& fwd, const std::string& bwd, const std::vector<Observation>& obs,
                       std::vector<std::string> names, std::vector<std::vector<double>> grids) {
    if (obs.size() < options.min_points) {
      out.skipped.push_back(
          fmt::format("fwd={} bwd={}: {} point(s), fewer than {}", fwd, bwd, obs.size(), options.min_points));
      return EfficiencyFit{};
    }
    EfficiencyFit e{
        fwd, bwd, names, {}, fit_law(law, obs, stage_options(law, out.base.x, options.base, names, grids))};
    for (const auto& n : names) e.values.push_back(e.fit.value(n));
    return e;
  };
  for (const auto& [bwd, obs] : by_bwd) {
    const std::string name = law.parameter_names()[law.bwd_index(bwd)];
    EfficiencyFit e =
        run_stage(law.spec().baseline, bwd, obs, {name}, {starts(law.bwd_index(bwd), options.eff_d_starts)});
    if (e.names.empty()) continue;
    out.x[law.bwd_index(bwd)] = e.values[0];
    out.separate.push_back(std::move(e));
  }
  for (const auto& [fwd, obs] : by_fwd) {
    const std::string name = law.parameter_names()[law.fwd_index(fwd)];
    EfficiencyFit e =
        run_stage(fwd, law.spec().baseline, obs, {name}, {starts(law.fwd_index(fwd), options.eff_n_starts)});
    if (e.names.empty()) continue;
    out.x[law.fwd_index(fwd)] = e.values[0];
    out.separate.push_back(std::move(e));
  }
  for (const auto& [key, obs] : by_pair) {
    const auto& [fwd, bwd] = key;
    const std::vector<std::string> names{law.parameter_names()[law.fwd_index(fwd)],
                                         law.parameter_names()[law.bwd_index(bwd)]};
    EfficiencyFit e = run_stage(
        fwd, bwd, obs, names,
        {starts(law.fwd_index(fwd), options.joint_starts), starts(law.bwd_index(bwd), options.joint_starts)});
    if (!e.names.empty()) out.joint.push_back(std::move(e));
  }
  return out;
}

const EfficiencyFit* find_joint(const StagedFit& fit, const std::string& fwd, const std::string& bwd) {
  for (const auto& e : fit.joint) {
    if (e.fwd == fwd && e.bwd == bwd) return &e;
  }
  return nullptr;
}

}  // namespace lps::analysis
