// Private: the fit's objective over the free parameters of a law.
//
// Residual r_i = s·(ln L_i − ln L̂_i). The robust cost is ½Σρ(r_i) with scipy's/Ceres' Huber ρ.
// For Levenberg–Marquardt without a loss-function hook (ceres::TinySolver) each r is mapped to
// f = sign(r)·sqrt(ρ(r)) so that ½Σf² is exactly the robust cost: f = r for |r| ≤ δ, and
// f = sign(r)·sqrt(2δ|r| − δ²) beyond, with df/dr = δ/|f| (continuous at |r| = δ).
#pragma once

#include <lps/analysis/law_form.h>

#include <Eigen/Core>
#include <cmath>
#include <vector>

namespace lps::analysis::detail {

struct HuberProblem {
  const LawForm* law = nullptr;
  std::vector<PreparedPoint> points;  // canonical order
  std::vector<int> free;              // indices of free parameters in the law's vector
  std::vector<double> base;           // full parameter vector; free entries are overwritten per call
  double delta = 1e-4;
  double scale = 1.0;

  // Scaled raw residuals s·(ln L − ln L̂) and, if jac != nullptr, d r / d p_free (column-major, R×P).
  // Returns false if anything is not finite.
  bool residuals(const double* free_x, double* r, double* jac, std::vector<double>& full,
                 std::vector<double>& grad) const {
    full = base;
    for (size_t k = 0; k < free.size(); ++k) full[free[k]] = free_x[k];
    bool finite = true;
    const size_t n = points.size();
    for (size_t i = 0; i < n; ++i) {
      const double ln_hat = law->log_predict(full.data(), points[i], jac != nullptr ? grad.data() : nullptr);
      r[i] = scale * (points[i].ln_loss - ln_hat);
      finite = finite && std::isfinite(r[i]);
      if (jac != nullptr) {
        for (size_t k = 0; k < free.size(); ++k) jac[k * n + i] = -scale * grad[free[k]];
      }
    }
    return finite;
  }

  [[nodiscard]] double rho(double r) const {
    const double a = std::abs(r);
    return a <= delta ? r * r : 2 * delta * a - delta * delta;
  }
};

// The functor ceres::TinySolver wants: sqrt-Huber residuals with their Jacobian.
class SqrtHuberFunction {
 public:
  using Scalar = double;
  enum { NUM_RESIDUALS = Eigen::Dynamic, NUM_PARAMETERS = Eigen::Dynamic };

  explicit SqrtHuberFunction(const HuberProblem& problem)
      : p_(problem), full_(problem.base.size()), grad_(problem.base.size()), r_(problem.points.size()) {}

  [[nodiscard]] int NumResiduals() const { return static_cast<int>(p_.points.size()); }
  [[nodiscard]] int NumParameters() const { return static_cast<int>(p_.free.size()); }

  bool operator()(const double* x, double* f, double* jac) const {
    const bool ok = p_.residuals(x, f, jac, full_, grad_);
    const size_t n = p_.points.size();
    for (size_t i = 0; i < n; ++i) {
      const double r = f[i];
      const double a = std::abs(r);
      if (a <= p_.delta || !std::isfinite(r)) continue;
      const double fi = std::copysign(std::sqrt(2 * p_.delta * a - p_.delta * p_.delta), r);
      f[i] = fi;
      if (jac != nullptr) {
        const double chain = p_.delta / std::abs(fi);
        for (size_t k = 0; k < p_.free.size(); ++k) jac[k * n + i] *= chain;
      }
    }
    return ok;
  }

 private:
  const HuberProblem& p_;
  mutable std::vector<double> full_, grad_, r_;
};

// Refines x_free with ceres::Solve (ceres::HuberLoss(δ), DENSE_QR, tight tolerances); returns the new
// point (unchanged if Ceres does not improve the cost).
[[nodiscard]] std::vector<double> polish_with_ceres(const HuberProblem& problem, std::vector<double> x_free);

}  // namespace lps::analysis::detail
