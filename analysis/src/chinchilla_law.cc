// Chinchilla (Hoffmann et al. 2022): L = A/N^α + B/D^β + E, p = [a, alpha, b, beta, e].
#include <cmath>

#include "laws.h"

namespace lps::analysis {
namespace {

class ChinchillaLaw final : public LawForm {
 public:
  explicit ChinchillaLaw(const LawSpec& spec)
      : LawForm(spec, {"a", "alpha", "b", "beta", "e"}, {}, {}, "", "") {}

  [[nodiscard]] LawKind kind() const override { return LawKind::kChinchilla; }
  [[nodiscard]] std::string formula() const override { return "L = A/N^alpha + B/D^beta + E"; }
  [[nodiscard]] StartGrid default_grid() const override { return epoch_chinchilla_grid(); }

  [[nodiscard]] double log_predict(const double* p, const PreparedPoint& x, double* grad) const override {
    const double tn = std::exp(p[kA] - p[kAlpha] * x.ln_n);
    const double td = std::exp(p[kB] - p[kBeta] * x.ln_d);
    const double te = std::exp(p[kE]);
    const double l = tn + td + te;
    if (grad != nullptr) {
      grad[kA] = tn / l;
      grad[kAlpha] = -x.ln_n * tn / l;
      grad[kB] = td / l;
      grad[kBeta] = -x.ln_d * td / l;
      grad[kE] = te / l;
    }
    return std::log(l);
  }
};

}  // namespace

std::unique_ptr<LawForm> make_chinchilla_law(const LawSpec& spec) {
  return std::make_unique<ChinchillaLaw>(spec);
}

}  // namespace lps::analysis
