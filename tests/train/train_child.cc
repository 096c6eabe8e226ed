// A trainer in its own process for the kill -9 test: `train_child <dir> <steps> <checkpoint_every>` trains
// the tiny spec with checkpoints recorded in <dir>/journal, resuming from the newest one, and prints
// "RESULT <final loss as hex float> <params sha256>" when it completes.
#include "train_test_support.h"

#include <lps/core/log.h>
#include <lps/train/train_run.h>

#include <torch/torch.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: train_child DIR STEPS CHECKPOINT_EVERY\n");
    return 2;
  }
  torch::set_num_threads(1);
  lps::set_log_level(lps::LogLevel::kWarn);
  lps::test::JournalHooks hooks(argv[1]);
  const auto spec = lps::test::tiny_spec(std::stoll(argv[2]), std::stoll(argv[3]));
  lps::train::TrainingOptions options;
  options.device = "cpu";
  const auto result = lps::train::run_training(spec, hooks, options);
  std::printf("RESULT %a %s\n", result.final_eval_loss, result.params_sha256.c_str());
  return result.status == lps::train::RunStatus::kCompleted ? 0 : 1;
}
