// A trainer in its own process for the kill -9 test: `train_child <dir> <steps> <checkpoint_every> [gpu-30m]`
// trains the tiny spec with checkpoints recorded in <dir>/journal, resuming from the newest one, and prints
// "RESULT <final loss as hex float> <params sha256>" when it completes. `gpu-30m` (docs/RELIABILITY.md §2):
// the 30M preset, BF16 autocast on cuda:0, deterministic mode.
#include "train_test_support.h"

#include <lps/core/log.h>
#include <lps/train/train_run.h>

#include <torch/torch.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  if (argc != 4 && !(argc == 5 && std::string(argv[4]) == "gpu-30m")) {
    std::fprintf(stderr, "usage: train_child DIR STEPS CHECKPOINT_EVERY [gpu-30m]\n");
    return 2;
  }
  const bool gpu = argc == 5;
  torch::set_num_threads(1);
  lps::set_log_level(lps::LogLevel::kWarn);
  lps::test::JournalHooks hooks(argv[1]);
  auto spec = lps::test::tiny_spec(std::stoll(argv[2]), std::stoll(argv[3]));
  lps::train::TrainingOptions options;
  options.device = "cpu";
  if (gpu) {
    spec.model = {"30M", 6, 640, 5, 128, 1792, 0, 256};  // the paper's 30M shape at sequence length 256
    spec.data.vocab_size = 4096;
    spec.data.synthetic_order = 4;
    spec.optim.lr = 1.2e-3;
    spec.optim.batch_seqs = 32;
    spec.optim.micro_batch_seqs = 16;
    spec.tokens = std::stoll(argv[2]) * spec.optim.batch_seqs * spec.model.seq_len;
    spec.eval.tokens = 16 * 256;
    options.device = "cuda:0";
    options.deterministic = true;
  }
  const auto result = lps::train::run_training(spec, hooks, options);
  std::printf("RESULT %a %s\n", result.final_eval_loss, result.params_sha256.c_str());
  return result.status == lps::train::RunStatus::kCompleted ? 0 : 1;
}
