// Shared by the data-parallel trainer tests and their rank children: the same tiny run, built the same way in
// every process, and starting/awaiting a child process.
#pragma once

#include "train_test_support.h"

#include <lps/train/run_setup.h>
#include <lps/train/trainer.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace lps::test {

// 8 sequences per step (so 2 or 4 ranks split it), `micro` per forward/backward (8 = no accumulation).
inline plan::RunSpec ddp_spec(int64_t steps, int64_t micro) {
  plan::RunSpec spec = tiny_spec(steps);
  spec.optim.batch_seqs = 8;
  spec.optim.micro_batch_seqs = micro;
  return spec;
}

// One process's trainer for ddp_spec (the source outlives the trainer that reads it).
struct DdpTrainer {
  explicit DdpTrainer(const plan::RunSpec& spec)
      : source(train::make_source(spec.data)),
        trainer(train::make_trainer_options(spec), train::make_model_config(spec, source->vocab_size()), *source,
                torch::Device(torch::kCPU)) {}
  std::unique_ptr<data::TokenSource> source;
  train::Trainer trainer;
};

inline pid_t spawn_process(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (::posix_spawn(&pid, args[0].c_str(), nullptr, nullptr, argv.data(), environ) != 0) return -1;
  return pid;
}

// The child's wait status, or -1 after `timeout_s` (the child is then killed and reaped).
inline int wait_process(pid_t pid, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status;
}

}  // namespace lps::test
