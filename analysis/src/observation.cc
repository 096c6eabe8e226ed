// Canonical ordering and validation of observations.
#include <fmt/format.h>
#include <lps/analysis/observation.h>
#include <lps/core/diagnostic.h>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace lps::analysis {

bool canonical_less(const Observation& x, const Observation& y) {
  return std::tie(x.n, x.d, x.fwd, x.bwd, x.loss, x.label) <
         std::tie(y.n, y.d, y.fwd, y.bwd, y.loss, y.label);
}

std::vector<Observation> canonical_order(std::vector<Observation> observations) {
  std::stable_sort(observations.begin(), observations.end(), canonical_less);
  return observations;
}

void validate_observations(const std::vector<Observation>& observations, const std::string& source) {
  DiagnosticList problems;
  for (size_t i = 0; i < observations.size(); ++i) {
    const Observation& o = observations[i];
    auto bad = [&](const std::string& what) {
      problems.add(Diagnostic{source, 0, 0, fmt::format("row {} ({})", i + 1, o.label), what});
    };
    if (!(std::isfinite(o.n) && o.n > 0)) bad(fmt::format("N must be a positive number, got {}", o.n));
    if (!(std::isfinite(o.d) && o.d > 0)) bad(fmt::format("D must be a positive number, got {}", o.d));
    if (!(std::isfinite(o.loss) && o.loss > 0))
      bad(fmt::format("loss must be a positive number, got {}", o.loss));
  }
  problems.throw_if_any();
}

}  // namespace lps::analysis
