// Executes one RunSpec: builds the model and data source, trains (resuming from the hooks' newest valid
// checkpoint), evaluates on the held-out split, and reports through the hooks. Implemented by lib/train.
#pragma once

#include <lps/plan/run_spec.h>
#include <lps/train/run_hooks.h>

#include <string>

namespace lps::train {

class RankGroup;  // distributed.h

[[nodiscard]] RunResult run_training(const plan::RunSpec& spec, RunHooks& hooks);

// Added by the trainer issue (additive): how to run, as opposed to what (the RunSpec). None of these
// change results except `device` (CPU vs GPU numerics) and `deterministic` (bit-exact GPU resume).
struct TrainingOptions {
  std::string device = "auto";   // auto (cuda:0 when visible, else cpu) | cpu | cuda | cuda:N
  bool deterministic = false;    // GPU: deterministic algorithms (bit-exact resume), slower
  bool cuda_graph = false;       // GPU: capture each optimizer step as a CUDA graph (small models)
  double explosion_loss = 0;     // a training loss above this is a divergence; 0 = 2·ln(vocabulary)
  double progress_interval_s = 10;  // seconds between progress lines in the log
  // Added by the data-parallel issue: this process is one rank of a data-parallel run (distributed.h; the
  // group is opened, not yet connected). Rank 0 reports through the hooks; the others write nothing.
  RankGroup* ranks = nullptr;
};

[[nodiscard]] RunResult run_training(const plan::RunSpec& spec, RunHooks& hooks, const TrainingOptions& options);

}  // namespace lps::train
