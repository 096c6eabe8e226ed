// Refit without the largest N; predict it.
#include <lps/analysis/fitter.h>
#include <lps/analysis/held_out.h>
#include <lps/core/error.h>

#include <algorithm>
#include <cmath>

namespace lps::analysis {

HeldOutCheck held_out_largest_model(const LawForm& law, const std::vector<Observation>& observations,
                                    const FitOptions& options) {
  HeldOutCheck out;
  for (const auto& o : observations) out.held_out_n = std::max(out.held_out_n, o.n);
  std::vector<Observation> train, test;
  for (const auto& o : observations) (o.n == out.held_out_n ? test : train).push_back(o);
  if (train.empty()) {
    throw Error(ErrorKind::kUserInput, "held-out check needs at least two model sizes; the data have one");
  }
  out.refit = fit_law(law, train, options);
  for (const auto& o : canonical_order(test)) {
    const double ln_hat = law.log_predict(out.refit.x.data(), law.prepare(o), nullptr);
    const double r = std::log(o.loss) - ln_hat;
    out.predictions.push_back(PointResidual{o, std::exp(ln_hat), r});
    out.mean_abs_log_error += std::abs(r) / static_cast<double>(test.size());
    out.max_abs_log_error = std::max(out.max_abs_log_error, std::abs(r));
  }
  return out;
}

}  // namespace lps::analysis
