// Refines the winning start with the full ceres::Solve: raw residuals s·(ln L − ln L̂), ceres::HuberLoss(δ)
// (Ceres' cost ½Σρ is scipy's least_squares cost for loss='huber', f_scale=δ), analytic Jacobian, DENSE_QR.
#include <ceres/ceres.h>

#include "huber_problem.h"

namespace lps::analysis::detail {
namespace {

class LogResidualCost final : public ceres::CostFunction {
 public:
  explicit LogResidualCost(const HuberProblem& problem)
      : p_(problem), full_(problem.base.size()), grad_(problem.base.size()) {
    set_num_residuals(static_cast<int>(problem.points.size()));
    mutable_parameter_block_sizes()->push_back(static_cast<int>(problem.free.size()));
  }

  bool Evaluate(double const* const* parameters, double* residuals, double** jacobians) const override {
    const size_t n = p_.points.size(), k = p_.free.size();
    const bool want_jac = jacobians != nullptr && jacobians[0] != nullptr;
    if (want_jac) col_major_.resize(n * k);
    const bool ok =
        p_.residuals(parameters[0], residuals, want_jac ? col_major_.data() : nullptr, full_, grad_);
    if (want_jac) {  // Ceres wants row-major R×P
      for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < k; ++j) jacobians[0][i * k + j] = col_major_[j * n + i];
    }
    return ok;
  }

 private:
  const HuberProblem& p_;
  mutable std::vector<double> full_, grad_, col_major_;
};

}  // namespace

std::vector<double> polish_with_ceres(const HuberProblem& problem, std::vector<double> x_free) {
  if (x_free.empty()) return x_free;
  std::vector<double> x = x_free;
  ceres::Problem::Options problem_options;
  ceres::Problem ceres_problem(problem_options);
  ceres_problem.AddResidualBlock(new LogResidualCost(problem), new ceres::HuberLoss(problem.delta), x.data());
  ceres::Solver::Options options;
  options.linear_solver_type = ceres::DENSE_QR;
  options.max_num_iterations = 200;
  options.function_tolerance = 1e-15;
  options.gradient_tolerance = 1e-20;
  options.parameter_tolerance = 1e-14;
  options.logging_type = ceres::SILENT;
  options.num_threads = 1;
  ceres::Solver::Summary summary;
  ceres::Solve(options, &ceres_problem, &summary);
  if (!summary.IsSolutionUsable() || !(summary.final_cost <= summary.initial_cost)) return x_free;
  return x;
}

}  // namespace lps::analysis::detail
