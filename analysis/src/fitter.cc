// The multi-start fit: canonical order → prepared points → one TinySolver run per start (parallel) →
// lowest cost (ties: lowest start index) → optional ceres::Solve polish → report.
#include <ceres/tiny_solver.h>
#include <fmt/format.h>
#include <lps/analysis/fitter.h>
#include <lps/core/error.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "huber_problem.h"
#include "parallel_for.h"

namespace lps::analysis {
namespace {

struct StartOutcome {
  bool failed = true;
  double cost = std::numeric_limits<double>::infinity();
  std::vector<double> x_free;
};

double robust_cost(const detail::HuberProblem& p, const std::vector<double>& x_free) {
  std::vector<double> r(p.points.size()), full, grad;
  if (!p.residuals(x_free.data(), r.data(), nullptr, full, grad))
    return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  for (double v : r) sum += p.rho(v);
  return 0.5 * sum;
}

StartOutcome run_start(const detail::HuberProblem& p, std::vector<double> x0, int max_iterations) {
  StartOutcome out;
  out.x_free = x0;
  if (!std::isfinite(robust_cost(p, x0))) return out;  // like scipy: residuals not finite at x0 → failed
  using Solver = ceres::TinySolver<detail::SqrtHuberFunction>;
  detail::SqrtHuberFunction f(p);
  Solver solver;
  solver.options.max_num_iterations = max_iterations;
  solver.options.gradient_tolerance = 0;
  solver.options.parameter_tolerance = 1e-10;
  solver.options.function_tolerance = 0;  // stop on step size: cost scales vary (1e-10 … 1e3)
  Solver::Parameters x = Eigen::Map<Solver::Parameters>(x0.data(), static_cast<Eigen::Index>(x0.size()));
  (void)solver.Solve(f, &x);
  out.x_free.assign(x.data(), x.data() + x.size());
  const bool x_finite =
      std::all_of(out.x_free.begin(), out.x_free.end(), [](double v) { return std::isfinite(v); });
  out.cost = x_finite ? robust_cost(p, out.x_free) : std::numeric_limits<double>::quiet_NaN();
  out.failed = !std::isfinite(out.cost);
  return out;
}

}  // namespace

double FitResult::value(const std::string& name) const {
  std::string wanted = name;
  if (wanted == "A" || wanted == "B" || wanted == "E")
    wanted = std::string(1, static_cast<char>(wanted[0] + 32));
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == wanted) return x[i];
  }
  throw Error(ErrorKind::kUserInput, fmt::format("the fit has no parameter '{}'", name));
}

double huber_cost(const LawForm& law, std::span<const Observation> observations, std::span<const double> x,
                  const FitOptions& options) {
  LPS_CHECK(x.size() == law.num_parameters());
  double sum = 0;
  for (const Observation& o : observations) {
    const double r =
        options.residual_scale * (std::log(o.loss) - law.log_predict(x.data(), law.prepare(o), nullptr));
    const double a = std::abs(r), d = options.huber_delta;
    sum += a <= d ? r * r : 2 * d * a - d * d;
  }
  return 0.5 * sum;
}

FitResult evaluate_fit(const LawForm& law, std::vector<Observation> observations, std::vector<double> x,
                       std::vector<bool> fixed, const FitOptions& options) {
  observations = canonical_order(std::move(observations));
  FitResult result;
  result.spec = law.spec();
  result.formula = law.formula();
  result.names = law.parameter_names();
  result.num_points = observations.size();
  result.num_free = static_cast<size_t>(std::count(fixed.begin(), fixed.end(), false));
  result.cost = huber_cost(law, observations, x, options);
  double rss = 0;
  for (const Observation& o : observations) {
    const double ln_hat = law.log_predict(x.data(), law.prepare(o), nullptr);
    const double r = std::log(o.loss) - ln_hat;
    rss += r * r;
    result.residuals.push_back(PointResidual{o, std::exp(ln_hat), r});
  }
  const double n = static_cast<double>(observations.size());
  const double k = static_cast<double>(result.num_free);
  result.rms_log_residual = std::sqrt(rss / n);
  result.aic = n * std::log(rss / n) + 2 * k;
  result.bic = n * std::log(rss / n) + k * std::log(n);
  result.x = std::move(x);
  result.fixed = std::move(fixed);
  return result;
}

FitResult fit_law(const LawForm& law, std::vector<Observation> observations, const FitOptions& options) {
  options.validate(law);
  validate_observations(observations, "fit data");
  if (observations.empty()) throw Error(ErrorKind::kUserInput, "no observations to fit");
  observations = canonical_order(std::move(observations));

  detail::HuberProblem problem;
  problem.law = &law;
  problem.delta = options.huber_delta;
  problem.scale = options.residual_scale;
  for (const Observation& o : observations) problem.points.push_back(law.prepare(o));

  // Which parameters are held: requested ones, and efficiencies no observation depends on.
  const size_t np = law.num_parameters();
  std::vector<bool> fixed(np, false);
  std::vector<double> base(np);
  for (size_t i = 0; i < np; ++i) base[i] = law.default_start(i);
  for (const auto& [name, value] : options.starts) base[law.index_of(name)] = value;
  std::set<int> used;
  for (const auto& pt : problem.points) used.insert({pt.eff_n, pt.eff_d});
  for (size_t i = law.num_core(); i < np; ++i) fixed[i] = !used.contains(static_cast<int>(i));
  for (const auto& [name, value] : options.fixed) {
    const int i = law.index_of(name);
    fixed[i] = true;
    base[i] = value;
  }
  for (size_t i = 0; i < np; ++i) {
    if (!fixed[i]) problem.free.push_back(static_cast<int>(i));
  }
  problem.base = base;
  if (problem.free.size() > observations.size()) {
    throw Error(ErrorKind::kUserInput,
                fmt::format("{} free parameters but only {} observations: fix some parameters "
                            "or add data",
                            problem.free.size(), observations.size()));
  }

  // Starts: grid axes of free parameters (axes of fixed ones are dropped), other free ones at `base`.
  StartGrid grid;
  for (const auto& axis : (options.grid ? *options.grid : law.default_grid()).axes) {
    const int i = law.index_of(axis.first);
    if (!fixed[i]) grid.axes.push_back(axis);
  }
  const size_t num_starts = grid.size();
  std::vector<StartOutcome> outcomes(num_starts);
  const bool screen = options.screen_iterations > 0 && options.screen_iterations < options.max_iterations;
  detail::parallel_for(num_starts, options.threads, [&](size_t s) {
    std::vector<double> full = base;
    const std::vector<double> values = grid.start(s);
    for (size_t k = 0; k < values.size(); ++k) full[law.index_of(grid.axes[k].first)] = values[k];
    std::vector<double> x0;
    for (int i : problem.free) x0.push_back(full[i]);
    outcomes[s] =
        run_start(problem, std::move(x0), screen ? options.screen_iterations : options.max_iterations);
  });
  if (screen) {
    // Continue the promising starts from where screening left them (a deterministic choice: it depends on
    // all screened costs, never on thread timing).
    std::vector<std::pair<double, size_t>> ranked;
    for (size_t s = 0; s < num_starts; ++s) {
      if (!outcomes[s].failed) ranked.emplace_back(outcomes[s].cost, s);
    }
    std::sort(ranked.begin(), ranked.end());
    std::vector<size_t> keep;
    const size_t min_keep =
        static_cast<size_t>(std::ceil(options.screen_keep_fraction * static_cast<double>(ranked.size())));
    for (size_t k = 0; k < ranked.size(); ++k) {
      if (k < min_keep || ranked[k].first <= options.screen_ratio * ranked.front().first)
        keep.push_back(ranked[k].second);
    }
    detail::parallel_for(keep.size(), options.threads, [&](size_t k) {
      const size_t s = keep[k];
      outcomes[s] =
          run_start(problem, outcomes[s].x_free, options.max_iterations - options.screen_iterations);
    });
  }

  size_t best = num_starts, failed = 0;
  for (size_t s = 0; s < num_starts; ++s) {
    if (outcomes[s].failed) {
      ++failed;
      continue;
    }
    if (best == num_starts || outcomes[s].cost < outcomes[best].cost) best = s;
  }
  if (best == num_starts) {
    throw Error(ErrorKind::kRun,
                fmt::format("all {} starts of the {} fit failed (overflow or NaN); check the data "
                            "or give start values",
                            num_starts, to_string(law.kind())));
  }
  std::vector<double> x_free = outcomes[best].x_free;
  if (options.polish) {
    std::vector<double> polished = detail::polish_with_ceres(problem, x_free);
    if (robust_cost(problem, polished) <= robust_cost(problem, x_free)) x_free = std::move(polished);
  }
  std::vector<double> x = base;
  for (size_t k = 0; k < problem.free.size(); ++k) x[problem.free[k]] = x_free[k];
  FitResult result = evaluate_fit(law, std::move(observations), std::move(x), std::move(fixed), options);
  result.num_starts = num_starts;
  result.failed_starts = failed;
  result.best_start = best;
  return result;
}

}  // namespace lps::analysis
