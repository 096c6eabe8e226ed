// JSON and CSV export of fits; JSON reload of the request. nlohmann::json writes doubles in shortest
// round-trip form, so values reload bit for bit.
#include <fmt/format.h>
#include <lps/analysis/fit_export.h>
#include <lps/core/diagnostic.h>

#include <nlohmann/json.hpp>

namespace lps::analysis {
namespace {

using nlohmann::json;

constexpr const char* kSchema = "lpsweep.fit";

json pairs(const std::vector<std::pair<std::string, double>>& v) {
  json out = json::array();
  for (const auto& [k, x] : v) out.push_back(json::array({k, x}));
  return out;
}

std::vector<std::pair<std::string, double>> read_pairs(const json& j) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& p : j) out.emplace_back(p.at(0).get<std::string>(), p.at(1).get<double>());
  return out;
}

}  // namespace

std::string export_fit_json(const FitRequest& request, const FitOutcome& outcome, const FitExtras& extras) {
  const LawForm& law = *outcome.law;
  const FitResult& fit = outcome.fit;
  json j;
  j["schema"] = kSchema;
  j["schema_version"] = kFitSchemaVersion;
  j["law"] = {{"kind", to_string(request.spec.kind)},
              {"baseline", request.spec.baseline},
              {"formula", law.formula()},
              {"parameters", law.parameter_names()}};
  const FitOptions& o = request.options;
  json grid = nullptr;
  if (o.grid) {
    grid = json::array();
    for (const auto& [name, values] : o.grid->axes) grid.push_back(json::array({name, values}));
  }
  j["method"] = {{"mode", to_string(request.mode)},
                 {"algorithm",
                  "multi-start Levenberg-Marquardt (ceres::TinySolver, analytic Jacobian) on "
                  "residual s*(ln L - ln Lhat) with Huber loss; lowest cost wins; Ceres polish"},
                 {"cost_convention",
                  "0.5*sum(rho(r)), rho(r) = r^2 if |r| <= delta else 2*delta*|r| - delta^2 "
                  "(scipy least_squares loss='huber', f_scale=delta)"},
                 {"huber_delta", o.huber_delta},
                 {"residual_scale", o.residual_scale},
                 {"grid", grid},
                 {"fixed", pairs(o.fixed)},
                 {"starts", pairs(o.starts)},
                 {"max_iterations", o.max_iterations},
                 {"polish", o.polish},
                 {"threads", o.threads},
                 {"staged",
                  {{"eff_d_starts", request.staged.eff_d_starts},
                   {"eff_n_starts", request.staged.eff_n_starts},
                   {"joint_starts", request.staged.joint_starts},
                   {"min_points", request.staged.min_points}}}};
  json data = json::array();
  for (const auto& ob : request.observations) {
    data.push_back(
        {{"n", ob.n}, {"d", ob.d}, {"loss", ob.loss}, {"fwd", ob.fwd}, {"bwd", ob.bwd}, {"label", ob.label}});
  }
  j["data"] = data;
  json params = json::array();
  for (size_t i = 0; i < fit.x.size(); ++i) {
    json p = {{"name", fit.names[i]},
              {"value", fit.x[i]},
              {"display_name", law.display_name(i)},
              {"display_value", law.display_value(i, fit.x[i])},
              {"fixed", static_cast<bool>(fit.fixed[i])}};
    if (extras.bootstrap != nullptr) {
      p["ci_lo"] = extras.bootstrap->intervals[i].lo;
      p["ci_hi"] = extras.bootstrap->intervals[i].hi;
    }
    params.push_back(p);
  }
  json residuals = json::array();
  for (const auto& r : fit.residuals) {
    residuals.push_back({{"n", r.observation.n},
                         {"d", r.observation.d},
                         {"fwd", r.observation.fwd},
                         {"bwd", r.observation.bwd},
                         {"loss", r.observation.loss},
                         {"predicted", r.predicted},
                         {"log_residual", r.log_residual}});
  }
  j["result"] = {{"parameters", params},
                 {"cost", fit.cost},
                 {"rms_log_residual", fit.rms_log_residual},
                 {"aic", fit.aic},
                 {"bic", fit.bic},
                 {"num_points", fit.num_points},
                 {"num_free", fit.num_free},
                 {"num_starts", fit.num_starts},
                 {"failed_starts", fit.failed_starts},
                 {"best_start", fit.best_start},
                 {"residuals", residuals}};
  if (outcome.staged) {
    json stages = json::array();
    auto add = [&](const EfficiencyFit& e, const char* kind) {
      stages.push_back({{"kind", kind},
                        {"fwd", e.fwd},
                        {"bwd", e.bwd},
                        {"names", e.names},
                        {"values", e.values},
                        {"cost", e.fit.cost},
                        {"num_points", e.fit.num_points}});
    };
    for (const auto& e : outcome.staged->separate) add(e, "separate");
    for (const auto& e : outcome.staged->joint) add(e, "joint");
    j["result"]["stages"] = stages;
    j["result"]["base_cost"] = outcome.staged->base.cost;
  }
  if (extras.bootstrap != nullptr) {
    j["bootstrap"] = {{"replicates", extras.bootstrap->samples.size() + extras.bootstrap->failed},
                      {"failed", extras.bootstrap->failed}};
    if (extras.bootstrap_options != nullptr) {
      j["bootstrap"]["seed"] = extras.bootstrap_options->seed;
      j["bootstrap"]["confidence"] = extras.bootstrap_options->confidence;
      j["bootstrap"]["full_grid"] = extras.bootstrap_options->full_grid;
    }
  }
  if (extras.held_out != nullptr) {
    j["held_out"] = {{"n", extras.held_out->held_out_n},
                     {"mean_abs_log_error", extras.held_out->mean_abs_log_error},
                     {"max_abs_log_error", extras.held_out->max_abs_log_error}};
  }
  return j.dump(1) + "\n";
}

std::string export_fit_csv(const FitOutcome& outcome, const FitExtras& extras) {
  std::string out = "parameter,value,display_name,display_value,fixed,ci_lo,ci_hi\n";
  const FitResult& fit = outcome.fit;
  for (size_t i = 0; i < fit.x.size(); ++i) {
    std::string lo, hi;
    if (extras.bootstrap != nullptr) {
      lo = fmt::format("{:.17g}", extras.bootstrap->intervals[i].lo);
      hi = fmt::format("{:.17g}", extras.bootstrap->intervals[i].hi);
    }
    out +=
        fmt::format("{},{:.17g},{},{:.17g},{},{},{}\n", fit.names[i], fit.x[i], outcome.law->display_name(i),
                    outcome.law->display_value(i, fit.x[i]), fit.fixed[i] ? 1 : 0, lo, hi);
  }
  out += fmt::format("cost,{:.17g},,,,,\nrms_log_residual,{:.17g},,,,,\naic,{:.17g},,,,,\nbic,{:.17g},,,,,\n",
                     fit.cost, fit.rms_log_residual, fit.aic, fit.bic);
  return out;
}

FitRequest load_fit_request(const std::string& json_text, const std::string& source) {
  auto fail = [&](const std::string& key, const std::string& what) {
    throw UserInputError({Diagnostic{source, 0, 0, key, what}});
  };
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::parse_error& e) {
    fail("", fmt::format("not valid JSON: {}", e.what()));
  }
  if (j.value("schema", "") != kSchema)
    fail("schema", fmt::format("expected \"{}\" (an `lpsweep export fit` file)", kSchema));
  if (j.value("schema_version", 0) != kFitSchemaVersion) {
    fail("schema_version", fmt::format("version {} is not supported (this lpsweep reads {})",
                                       j.value("schema_version", 0), kFitSchemaVersion));
  }
  FitRequest r;
  try {
    r.spec.kind = parse_law_kind(j.at("law").at("kind").get<std::string>());
    r.spec.baseline = j.at("law").at("baseline").get<std::string>();
    const json& m = j.at("method");
    r.mode = parse_fit_mode(m.at("mode").get<std::string>());
    r.options.huber_delta = m.at("huber_delta").get<double>();
    r.options.residual_scale = m.at("residual_scale").get<double>();
    if (!m.at("grid").is_null()) {
      StartGrid g;
      for (const auto& axis : m.at("grid"))
        g.axes.emplace_back(axis.at(0).get<std::string>(), axis.at(1).get<std::vector<double>>());
      r.options.grid = g;
    }
    r.options.fixed = read_pairs(m.at("fixed"));
    r.options.starts = read_pairs(m.at("starts"));
    r.options.max_iterations = m.at("max_iterations").get<int>();
    r.options.polish = m.at("polish").get<bool>();
    r.options.threads = m.at("threads").get<int>();
    const json& s = m.at("staged");
    r.staged.eff_d_starts = s.at("eff_d_starts").get<std::vector<double>>();
    r.staged.eff_n_starts = s.at("eff_n_starts").get<std::vector<double>>();
    r.staged.joint_starts = s.at("joint_starts").get<std::vector<double>>();
    r.staged.min_points = s.at("min_points").get<size_t>();
    for (const auto& d : j.at("data")) {
      r.observations.push_back(Observation{d.at("n").get<double>(), d.at("d").get<double>(),
                                           d.at("loss").get<double>(), d.at("fwd").get<std::string>(),
                                           d.at("bwd").get<std::string>(), d.at("label").get<std::string>()});
    }
  } catch (const json::exception& e) {
    fail("", fmt::format("malformed fit export: {}", e.what()));
  }
  return r;
}

}  // namespace lps::analysis
