// The learning-rate schedule (DESIGN.md §4): linear warmup from lr·warmup_start_ratio to lr over the first
// warmup_steps, then cosine decay to lr·final_ratio at the last step.
#pragma once

#include <cstdint>

namespace lps::train {

struct LrSchedule {
  double lr = 1e-3;                 // peak
  int64_t total_steps = 1;          // optimizer steps in the run
  int64_t warmup_steps = 0;         // usually round(0.1·total_steps)
  double warmup_start_ratio = 0.01; // warmup starts at lr·this
  double final_ratio = 0.1;         // cosine ends at lr·this

  // The rate for optimizer step `step` (0-based). Pure.
  [[nodiscard]] double at(int64_t step) const;
};

}  // namespace lps::train
