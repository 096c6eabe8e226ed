// Executes one RunSpec: builds the model and data source, trains (resuming from the hooks' newest valid
// checkpoint), evaluates on the held-out split, and reports through the hooks. Implemented by lib/train.
#pragma once

#include <lps/plan/run_spec.h>
#include <lps/train/run_hooks.h>

namespace lps::train {

[[nodiscard]] RunResult run_training(const plan::RunSpec& spec, RunHooks& hooks);

}  // namespace lps::train
