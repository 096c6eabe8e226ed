// fit: — which law the fitter fits, against which baseline, from which starts (DESIGN.md §5).
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <vector>

#include "edit_distance.h"
#include "section_parsers.h"

namespace lps::config::detail {

namespace {

constexpr std::array<std::string_view, 7> kFitKeys{"form",      "baseline",       "huber_delta", "start_grid",
                                                   "bootstrap", "bootstrap_seed", "fixed"};
constexpr std::array<std::string_view, 3> kForms{"quartet", "chinchilla", "quest"};
constexpr std::array<std::string_view, 1> kGridWords{"paper"};
constexpr std::array<std::string_view, 6> kQuartetParams{"a", "alpha", "b", "beta", "e", "gamma"};
constexpr std::array<std::string_view, 5> kPlainParams{"a", "alpha", "b", "beta", "e"};
constexpr double kQuartetDelta = 1e-4;     // Quartet's Huber δ
constexpr double kChinchillaDelta = 1e-3;  // Chinchilla / Epoch AI replication
constexpr int64_t kMaxBootstrap = 100'000;
constexpr size_t kMaxStarts = 100'000;
constexpr size_t kMaxStartValues = 100;
constexpr double kMaxAbsParam = 1e3;

std::span<const std::string_view> params_of(const std::string& form) {
  if (form == "quartet") return kQuartetParams;
  return kPlainParams;
}

}  // namespace

void parse_fit(YamlReader& r, const YAML::Node& node, const std::vector<SchemeEntry>& schemes,
               FitEntry& out) {
  const std::string path = "fit";
  if (!node.IsDefined()) return;
  out.present = true;
  if (!r.check_map(node, path, kFitKeys)) return;
  if (const YAML::Node n = node["form"]; n.IsDefined()) {
    if (auto v = r.choice(n, child_path(path, "form"), kForms, "law form")) out.form = *v;
  }
  out.huber_delta = out.form == "chinchilla" ? kChinchillaDelta : kQuartetDelta;
  const std::span<const std::string_view> params = params_of(out.form);

  std::vector<std::string_view> scheme_names;
  for (const SchemeEntry& s : schemes) scheme_names.push_back(s.name);
  if (const YAML::Node n = node["baseline"]; n.IsDefined()) {
    if (auto v = r.string(n, child_path(path, "baseline"))) {
      bool found = false;
      for (std::string_view s : scheme_names) found = found || s == *v;
      if (found) {
        out.baseline = *v;
      } else if (!schemes.empty()) {
        const std::string hint = did_you_mean(*v, scheme_names);
        r.error(n, child_path(path, "baseline"),
                fmt::format("'{}' is not one of the sweep's schemes{}", *v, hint.empty() ? "" : hint));
      }
    }
  } else {
    bool found = false;
    for (std::string_view s : scheme_names) found = found || s == out.baseline;
    if (!found && !schemes.empty()) {
      r.error(node, child_path(path, "baseline"),
              "the default baseline 'bf16' is not among the schemes; add bf16 or name the baseline scheme");
    }
  }
  if (const YAML::Node n = node["huber_delta"]; n.IsDefined()) {
    if (auto v = r.real(n, child_path(path, "huber_delta"), 0, 1, true)) out.huber_delta = *v;
  }
  if (const YAML::Node n = node["bootstrap"]; n.IsDefined()) {
    if (auto v = r.integer(n, child_path(path, "bootstrap"), 0, kMaxBootstrap))
      out.bootstrap = static_cast<int>(*v);
  }
  if (const YAML::Node n = node["bootstrap_seed"]; n.IsDefined()) {
    if (auto v = r.integer(n, child_path(path, "bootstrap_seed"), 0, INT64_MAX)) {
      out.bootstrap_seed = static_cast<uint64_t>(*v);
    }
  }
  if (const YAML::Node n = node["fixed"]; n.IsDefined()) {
    const std::string p = child_path(path, "fixed");
    if (r.check_map(n, p, params)) {
      for (const auto& pair : n) {
        const std::string key = pair.first.IsScalar() ? pair.first.Scalar() : "";
        bool known = false;
        for (std::string_view k : params) known = known || k == key;
        if (!known) continue;
        if (auto v = r.real(pair.second, child_path(p, key), -kMaxAbsParam, kMaxAbsParam))
          out.fixed[key] = *v;
      }
      if (out.fixed.size() == params.size())
        r.error(n, p, "fixes every parameter; leave at least one to fit");
    }
  }
  if (const YAML::Node n = node["start_grid"]; n.IsDefined()) {
    const std::string p = child_path(path, "start_grid");
    if (n.IsScalar()) {
      if (auto v = r.choice(n, p, kGridWords, "start grid")) out.start_grid = *v;
    } else if (r.check_map(n, p, params, "'paper' or a mapping from parameter to start values")) {
      out.start_grid = "custom";
      size_t starts = 1;
      for (std::string_view param : params) {
        const std::string key(param);
        const YAML::Node values = n[key];
        if (out.fixed.count(key)) {
          if (values.IsDefined())
            r.error(values, child_path(p, key), "is fixed (fit.fixed); remove its start values");
          continue;
        }
        if (!values.IsDefined()) {
          r.error(n, child_path(p, key), "needs start values (every parameter that is not fixed does)");
          continue;
        }
        const auto items = r.list(values, child_path(p, key), /*scalar_ok=*/true);
        if (!items) continue;
        if (items->size() > kMaxStartValues) {
          r.error(values, child_path(p, key),
                  fmt::format("has {} values; at most {}", items->size(), kMaxStartValues));
          continue;
        }
        std::vector<double>& dst = out.start_values[key];
        for (size_t i = 0; i < items->size(); ++i) {
          const std::string ip = values.IsSequence() ? index_path(child_path(p, key), i) : child_path(p, key);
          if (auto v = r.real((*items)[i], ip, -kMaxAbsParam, kMaxAbsParam)) dst.push_back(*v);
        }
        starts *= std::max<size_t>(1, dst.size());
        if (starts > kMaxStarts) starts = kMaxStarts + 1;
      }
      if (starts > kMaxStarts) {
        r.error(n, p,
                fmt::format("has more than {} starts (the product of the value counts); use fewer values",
                            kMaxStarts));
      }
    }
  }
}

}  // namespace lps::config::detail
