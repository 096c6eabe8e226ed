// TrainingExecutor: the real executor — trains the claimed RunSpec with lps::train::run_training.
#pragma once

#include <lps/runner/executor.h>

namespace lps::runner {

class TrainingExecutor final : public Executor {
 public:
  [[nodiscard]] train::RunResult execute(const plan::RunSpec& spec, const store::ClaimedRun& run,
                                         train::RunHooks& hooks) override;
};

}  // namespace lps::runner
