// Quartet (arXiv 2505.14669, Busbridge form with efficiencies):
//   L = (A/(N·effN[fwd])^α + B/(D·effD[bwd])^β)^γ + E,  p = [a, alpha, b, beta, e, gamma, effN..., effD...].
#include <cmath>

#include "laws.h"

namespace lps::analysis {
namespace {

class QuartetLaw final : public LawForm {
 public:
  QuartetLaw(const LawSpec& spec, std::vector<std::string> fwd, std::vector<std::string> bwd)
      : LawForm(spec, {"a", "alpha", "b", "beta", "e", "gamma"}, std::move(fwd), std::move(bwd), "effN",
                "effD") {}

  [[nodiscard]] LawKind kind() const override { return LawKind::kQuartet; }
  [[nodiscard]] std::string formula() const override {
    return "L = (A/(N*effN)^alpha + B/(D*effD)^beta)^gamma + E";
  }
  [[nodiscard]] StartGrid default_grid() const override { return quartet_stage1_grid(); }

  [[nodiscard]] double log_predict(const double* p, const PreparedPoint& x, double* grad) const override {
    const double eff_n = x.eff_n >= 0 ? p[x.eff_n] : 1.0;
    const double eff_d = x.eff_d >= 0 ? p[x.eff_d] : 1.0;
    const double ln_n = x.ln_n + std::log(eff_n);
    const double ln_d = x.ln_d + std::log(eff_d);
    const double tn = std::exp(p[kA] - p[kAlpha] * ln_n);  // A/(N·effN)^α
    const double td = std::exp(p[kB] - p[kBeta] * ln_d);   // B/(D·effD)^β
    const double s = tn + td;
    const double ln_s = std::log(s);
    const double power = std::exp(p[kGamma] * ln_s);  // s^γ
    const double te = std::exp(p[kE]);
    const double l = power + te;
    if (grad != nullptr) {
      const double dn = p[kGamma] * power / s * tn / l;  // d lnL / d(ln tn)
      const double dd = p[kGamma] * power / s * td / l;  // d lnL / d(ln td)
      for (size_t i = 0; i < num_parameters(); ++i) grad[i] = 0;
      grad[kA] = dn;
      grad[kAlpha] = -ln_n * dn;
      grad[kB] = dd;
      grad[kBeta] = -ln_d * dd;
      grad[kE] = te / l;
      grad[kGamma] = ln_s * power / l;
      if (x.eff_n >= 0) grad[x.eff_n] = -p[kAlpha] / eff_n * dn;
      if (x.eff_d >= 0) grad[x.eff_d] = -p[kBeta] / eff_d * dd;
    }
    return std::log(l);
  }
};

}  // namespace

std::unique_ptr<LawForm> make_quartet_law(const LawSpec& spec, std::vector<std::string> fwd_labels,
                                          std::vector<std::string> bwd_labels) {
  return std::make_unique<QuartetLaw>(spec, std::move(fwd_labels), std::move(bwd_labels));
}

}  // namespace lps::analysis
