// Held-out check: refit without the largest model size and report how well the refit predicts it.
// The law is poorly identified (dropping two points moves A by 50%), so this error — not the in-sample
// residual — is the honest measure of what the law says about bigger models.
#pragma once

#include <lps/analysis/fit_result.h>

#include <vector>

namespace lps::analysis {

struct HeldOutCheck {
  double held_out_n = 0;                   // the model size left out
  FitResult refit;                         // the fit without it
  std::vector<PointResidual> predictions;  // the held-out points: observed, predicted, ln L − ln L̂
  double mean_abs_log_error = 0;           // mean |ln L − ln L̂| over the held-out points
  double max_abs_log_error = 0;
};

// Throws UserInputError if the data have a single model size.
[[nodiscard]] HeldOutCheck held_out_largest_model(const LawForm& law,
                                                  const std::vector<Observation>& observations,
                                                  const FitOptions& options);

}  // namespace lps::analysis
