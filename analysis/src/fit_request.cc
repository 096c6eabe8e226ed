// Dispatch of a FitRequest to fit_law / fit_staged and their bootstrap and held-out variants.
#include <fmt/format.h>
#include <lps/analysis/fit_request.h>
#include <lps/analysis/fitter.h>
#include <lps/core/error.h>

#include <algorithm>
#include <cmath>

namespace lps::analysis {
namespace {

StagedFitOptions staged_options(const FitRequest& r) {
  StagedFitOptions s = r.staged;
  s.base = r.options;
  return s;
}

FitOutcome run_fit_on(const FitRequest& request, std::unique_ptr<LawForm> law, std::vector<Observation> obs) {
  FitOutcome out;
  out.law = std::move(law);
  if (request.mode == FitMode::kSingle) {
    out.fit = fit_law(*out.law, std::move(obs), request.options);
    return out;
  }
  out.staged = fit_staged(*out.law, obs, staged_options(request));
  std::vector<bool> fixed(out.law->num_parameters(), false);
  FitResult report = evaluate_fit(*out.law, std::move(obs), out.staged->x, fixed, request.options);
  report.num_starts = out.staged->base.num_starts;
  report.failed_starts = out.staged->base.failed_starts;
  report.best_start = out.staged->base.best_start;
  for (const auto& e : out.staged->separate) {
    report.num_starts += e.fit.num_starts;
    report.failed_starts += e.fit.failed_starts;
  }
  report.fixed = out.staged->base.fixed;
  for (size_t i = out.law->num_core(); i < report.fixed.size(); ++i) {
    report.fixed[i] =
        std::none_of(out.staged->separate.begin(), out.staged->separate.end(), [&](const auto& e) {
          return std::find(e.names.begin(), e.names.end(), out.law->parameter_names()[i]) != e.names.end();
        });
  }
  report.num_free = static_cast<size_t>(std::count(report.fixed.begin(), report.fixed.end(), false));
  out.fit = std::move(report);
  return out;
}

}  // namespace

std::string_view to_string(FitMode mode) {
  return mode == FitMode::kSingle ? "single" : "staged";
}

FitMode parse_fit_mode(std::string_view text) {
  if (text == "single") return FitMode::kSingle;
  if (text == "staged") return FitMode::kStaged;
  throw Error(ErrorKind::kUserInput, fmt::format("unknown fit mode '{}': choose single or staged", text));
}

FitOutcome run_fit(const FitRequest& request) {
  return run_fit_on(request, make_law(request.spec, request.observations), request.observations);
}

BootstrapResult run_bootstrap(const FitRequest& request, const FitOutcome& outcome,
                              const BootstrapOptions& options) {
  if (request.mode == FitMode::kSingle) {
    return bootstrap_fit(*outcome.law, request.observations, outcome.fit, request.options, options);
  }
  return bootstrap_staged(*outcome.law, request.observations, *outcome.staged, staged_options(request),
                          options);
}

HeldOutCheck run_held_out(const FitRequest& request) {
  HeldOutCheck out;
  for (const auto& o : request.observations) out.held_out_n = std::max(out.held_out_n, o.n);
  std::vector<Observation> train, test;
  for (const auto& o : request.observations) (o.n == out.held_out_n ? test : train).push_back(o);
  if (train.empty()) {
    throw Error(ErrorKind::kUserInput, "held-out check needs at least two model sizes; the data have one");
  }
  // The law keeps all efficiency labels (so the held-out points can be predicted).
  FitOutcome refit = run_fit_on(request, make_law(request.spec, request.observations), train);
  for (const auto& o : canonical_order(test)) {
    const double ln_hat = refit.law->log_predict(refit.fit.x.data(), refit.law->prepare(o), nullptr);
    const double r = std::log(o.loss) - ln_hat;
    out.predictions.push_back(PointResidual{o, std::exp(ln_hat), r});
    out.mean_abs_log_error += std::abs(r) / static_cast<double>(test.size());
    out.max_abs_log_error = std::max(out.max_abs_log_error, std::abs(r));
  }
  out.refit = std::move(refit.fit);
  return out;
}

}  // namespace lps::analysis
