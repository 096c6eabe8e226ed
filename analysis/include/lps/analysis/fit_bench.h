// `lpsweep bench fit`: times the fitter on the published problems and scipy's least_squares (the method the
// papers used) on exactly the same data and starts, in the same run:
//   quartet     the Quartet form, Huber δ = 1e-4, the 486-start stage-1 grid;
//   chinchilla  the Chinchilla form, Huber δ = 1e-3, Epoch AI's 4,500-start grid.
// Correctness first: the report shows both best costs (they must agree) next to the times.
#pragma once

#include <lps/analysis/observation.h>

#include <string>
#include <vector>

namespace lps::analysis {

struct FitBenchOptions {
  int threads = 0;         // fitter threads (0: all cores)
  int repeats = 5;         // timed repetitions of our fit (the median is reported)
  bool run_scipy = true;   // also time scipy (needs python with numpy + scipy)
  size_t scipy_limit = 0;  // run only the first K starts in scipy (0: all); its time is then for K starts
};

struct FitBenchCase {
  std::string name;
  size_t starts = 0;
  double ours_seconds = 0;  // median wall time of fit_law (all starts + polish)
  size_t ours_failed = 0;
  double ours_cost = 0;
  double scipy_seconds = -1;  // -1: not run
  size_t scipy_starts_run = 0;
  size_t scipy_failed = 0;
  double scipy_cost = 0;
};

struct FitBenchReport {
  int threads = 0;
  std::string scipy_version;  // empty if scipy did not run
  std::string scipy_note;     // why scipy did not run, if it did not
  std::vector<FitBenchCase> cases;
};

[[nodiscard]] FitBenchReport run_fit_bench(const std::vector<Observation>& observations,
                                           const FitBenchOptions& options);
[[nodiscard]] std::string format_fit_bench(const FitBenchReport& report);

}  // namespace lps::analysis
