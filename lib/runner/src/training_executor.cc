#include <lps/runner/training_executor.h>
#include <lps/train/train_run.h>

namespace lps::runner {

train::RunResult TrainingExecutor::execute(const plan::RunSpec& spec, const store::ClaimedRun& run,
                                           train::RunHooks& hooks) {
  (void)run;
  return train::run_training(spec, hooks);
}

}  // namespace lps::runner
