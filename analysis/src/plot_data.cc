// Points, fitted curves and the region map as JSON for the matplotlib script.
#include <lps/analysis/plot_data.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

namespace lps::analysis {

std::string plot_data_json(const FitOutcome& outcome, const RegionMap* map, size_t points_per_curve) {
  using nlohmann::json;
  const LawForm& law = *outcome.law;
  const FitResult& fit = outcome.fit;
  json j;
  j["schema"] = "lpsweep.plot";
  j["schema_version"] = 1;
  j["formula"] = fit.formula;
  json params = json::object();
  for (size_t i = 0; i < fit.x.size(); ++i) params[law.display_name(i)] = law.display_value(i, fit.x[i]);
  j["parameters"] = params;
  json points = json::array();
  // (n, fwd, bwd) → D range
  std::map<std::tuple<double, std::string, std::string>, std::pair<double, double>> ranges;
  for (const auto& r : fit.residuals) {
    const Observation& o = r.observation;
    points.push_back({{"n", o.n},
                      {"d", o.d},
                      {"loss", o.loss},
                      {"fwd", o.fwd},
                      {"bwd", o.bwd},
                      {"predicted", r.predicted},
                      {"log_residual", r.log_residual}});
    auto [it, inserted] = ranges.try_emplace({o.n, o.fwd, o.bwd}, o.d, o.d);
    it->second.first = std::min(it->second.first, o.d);
    it->second.second = std::max(it->second.second, o.d);
  }
  j["points"] = points;
  json curves = json::array();
  for (const auto& [key, range] : ranges) {
    const auto& [n, fwd, bwd] = key;
    const std::vector<double> ds = log_space(range.first / 1.5, range.second * 1.5, points_per_curve);
    std::vector<double> losses;
    for (double d : ds) losses.push_back(law.predict(fit.x, n, d, fwd, bwd));
    curves.push_back({{"n", n}, {"fwd", fwd}, {"bwd", bwd}, {"d", ds}, {"loss", losses}});
  }
  j["curves"] = curves;
  if (map != nullptr) {
    std::vector<std::string> names;
    for (const auto& c : map->configs) names.push_back(c.name());
    j["map"] = {{"n", map->n_values},
                {"ratio", map->ratio_values},
                {"configs", names},
                {"winner", map->winner},
                {"margin", map->margin}};
  } else {
    j["map"] = nullptr;
  }
  return j.dump() + "\n";
}

}  // namespace lps::analysis
