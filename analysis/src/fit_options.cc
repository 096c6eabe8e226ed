// FitOptions validation and the per-law defaults.
#include <fmt/format.h>
#include <lps/analysis/fit_options.h>
#include <lps/core/diagnostic.h>

#include <cmath>

namespace lps::analysis {

void FitOptions::validate(const LawForm& law) const {
  DiagnosticList problems;
  auto bad = [&](const std::string& key, const std::string& what) {
    problems.add(Diagnostic{"fit options", 0, 0, key, what});
  };
  if (!(huber_delta > 0 && std::isfinite(huber_delta))) bad("huber_delta", "must be a positive number");
  if (!(residual_scale > 0 && std::isfinite(residual_scale)))
    bad("residual_scale", "must be a positive number");
  if (max_iterations < 1) bad("max_iterations", "must be at least 1");
  if (screen_iterations < 0) bad("screen_iterations", "must be >= 0 (0 = no screening)");
  if (!(screen_ratio >= 1)) bad("screen_ratio", "must be >= 1");
  if (!(screen_keep_fraction >= 0 && screen_keep_fraction <= 1))
    bad("screen_keep_fraction", "must be in [0, 1]");
  if (threads < 0) bad("threads", "must be >= 0 (0 = all hardware threads)");
  const std::string known = fmt::format("{}", fmt::join(law.parameter_names(), ", "));
  for (const auto& [name, value] : fixed) {
    if (law.index_of(name) < 0) bad("fixed." + name, "no such parameter; the law has " + known);
    if (!std::isfinite(value)) bad("fixed." + name, "value must be finite");
  }
  for (const auto& [name, value] : starts) {
    if (law.index_of(name) < 0) bad("starts." + name, "no such parameter; the law has " + known);
  }
  if (grid) {
    for (const auto& [name, values] : grid->axes) {
      if (law.index_of(name) < 0) bad("grid." + name, "no such parameter; the law has " + known);
      if (values.empty()) bad("grid." + name, "needs at least one start value");
    }
  }
  problems.throw_if_any();
}

FitOptions default_fit_options(LawKind kind) {
  FitOptions o;
  switch (kind) {
    case LawKind::kQuartet: o.huber_delta = kQuartetHuberDelta; break;
    case LawKind::kChinchilla: o.huber_delta = kEpochHuberDelta; break;
    case LawKind::kQuest:
      o.huber_delta = 1.0;
      o.residual_scale = 1e-3;
      break;
  }
  return o;
}

}  // namespace lps::analysis
