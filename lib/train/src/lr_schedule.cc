// Warmup + cosine learning-rate schedule.
#include <lps/train/lr_schedule.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace lps::train {

double LrSchedule::at(int64_t step) const {
  if (step < warmup_steps) {
    const double start = lr * warmup_start_ratio;
    return start + (lr - start) * static_cast<double>(step) / static_cast<double>(warmup_steps);
  }
  const double floor_lr = lr * final_ratio;
  const int64_t decay_steps = std::max<int64_t>(1, total_steps - 1 - warmup_steps);
  const double progress = std::min(1.0, static_cast<double>(step - warmup_steps) / static_cast<double>(decay_steps));
  return floor_lr + (lr - floor_lr) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
}

}  // namespace lps::train
