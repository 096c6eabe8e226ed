#include <lps/runner/data_parallel_run.h>
#include <lps/runner/training_executor.h>
#include <lps/train/train_run.h>

namespace lps::runner {

train::RunResult TrainingExecutor::execute(const plan::RunSpec& spec, const store::ClaimedRun& run,
                                           train::RunHooks& hooks) {
  (void)run;
  if (spec.ranks > 1) return run_data_parallel(spec, hooks);  // data parallel: this process is rank 0
  return train::run_training(spec, hooks);
}

}  // namespace lps::runner
