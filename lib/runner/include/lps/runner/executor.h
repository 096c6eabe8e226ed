// Executor: what a worker does with a claimed run. The real one trains (TrainingExecutor, LibTorch); tests
// and the queue stress tests use TestDoubleExecutor, which needs no model.
#pragma once

#include <lps/plan/run_spec.h>
#include <lps/store/records.h>
#include <lps/train/run_hooks.h>

namespace lps::runner {

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `spec` (the claimed `run`) to completion, divergence or a requested stop, reporting through
  // `hooks`. Throws for failures that belong to the infrastructure (I/O, OOM, CUDA errors); the worker
  // records them as a failed attempt and the run is retried with backoff.
  [[nodiscard]] virtual train::RunResult execute(const plan::RunSpec& spec, const store::ClaimedRun& run,
                                                 train::RunHooks& hooks) = 0;
};

}  // namespace lps::runner
