// QuEST (arXiv 2502.05003): L = A/(N·eff[P])^α + B/D^β + E with one eff per forward precision label;
// p = [a, alpha, b, beta, e, eff...]. Backward labels are ignored.
#include <cmath>

#include "laws.h"

namespace lps::analysis {
namespace {

class QuestLaw final : public LawForm {
 public:
  QuestLaw(const LawSpec& spec, std::vector<std::string> fwd)
      : LawForm(spec, {"a", "alpha", "b", "beta", "e"}, std::move(fwd), {}, "eff", "") {}

  [[nodiscard]] LawKind kind() const override { return LawKind::kQuest; }
  [[nodiscard]] std::string formula() const override { return "L = A/(N*eff(P))^alpha + B/D^beta + E"; }
  [[nodiscard]] StartGrid default_grid() const override { return quest_grid(); }

  [[nodiscard]] double log_predict(const double* p, const PreparedPoint& x, double* grad) const override {
    const double eff = x.eff_n >= 0 ? p[x.eff_n] : 1.0;
    const double ln_n = x.ln_n + std::log(eff);
    const double tn = std::exp(p[kA] - p[kAlpha] * ln_n);
    const double td = std::exp(p[kB] - p[kBeta] * x.ln_d);
    const double te = std::exp(p[kE]);
    const double l = tn + td + te;
    if (grad != nullptr) {
      for (size_t i = 0; i < num_parameters(); ++i) grad[i] = 0;
      grad[kA] = tn / l;
      grad[kAlpha] = -ln_n * tn / l;
      grad[kB] = td / l;
      grad[kBeta] = -x.ln_d * td / l;
      grad[kE] = te / l;
      if (x.eff_n >= 0) grad[x.eff_n] = -p[kAlpha] / eff * tn / l;
    }
    return std::log(l);
  }
};

}  // namespace

std::unique_ptr<LawForm> make_quest_law(const LawSpec& spec, std::vector<std::string> fwd_labels) {
  return std::make_unique<QuestLaw>(spec, std::move(fwd_labels));
}

}  // namespace lps::analysis
