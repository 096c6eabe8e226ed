// Trainer: the model, its AdamW state and one data source, stepped one optimizer step at a time.
// run_training (train_run.h) drives it with hooks; tests and the Python-reference check drive it directly.
//
// One optimizer step: micro-batches of the batch (gradient accumulation, each loss ÷ #micro), forward under
// BF16 autocast on GPU (FP32 master weights; FP32 on CPU), global-norm clipping, fused AdamW
// (β, ε = 1e-8, decoupled weight decay only on block matrices), the learning rate of LrSchedule::at(step).
// Losses and grad norms stay on the device until flush_metrics(), so the GPU is never waited on per step.
// The whole state (weights, optimizer, step, tokens, data position, generators) round-trips through
// save_state()/load_state(), bit for bit.
#pragma once

#include <lps/data/token_source.h>
#include <lps/model/transformer.h>
#include <lps/train/lr_schedule.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lps::train {

class RankGroup;  // distributed.h

enum class Precision {
  kAuto,          // BF16 autocast on CUDA, FP32 on CPU
  kFp32,          // FP32 everywhere
  kBf16Autocast,  // BF16 autocast (CUDA only), FP32 master weights and optimizer
};

struct TrainerOptions {
  int64_t batch_seqs = 8;           // sequences per optimizer step
  int64_t micro_batch_seqs = 0;     // per forward/backward; 0 = batch_seqs; must divide batch_seqs
  int64_t seq_len = 64;             // tokens per sequence (targets)
  LrSchedule schedule;              // learning rate per step (total_steps lives here)
  double weight_decay = 0.1;        // decoupled, block matrices only
  double beta1 = 0.9;
  double beta2 = 0.95;
  double eps = 1e-8;
  double grad_clip = 1.0;           // global L2 norm; ≤ 0 = off
  int64_t eval_tokens = 1 << 16;    // held-out tokens per evaluation (rounded up to whole sequences)
  uint64_t seed = 0;                // model init and quantization randomness
  Precision precision = Precision::kAuto;
  bool deterministic = false;       // GPU: deterministic algorithms (bit-exact resume), slower
  bool cuda_graph = false;          // GPU: capture the optimizer step as a CUDA graph (docs/training.md)

  // Throws lps::Error(kUserInput) listing every bad field.
  void validate() const;
};

// Per-step values as (device) scalars; read them with Trainer::flush_metrics().
struct StepRecord {
  int64_t step = 0;      // the step these belong to (0-based)
  double lr = 0;
  torch::Tensor loss;    // mean training loss of the step
  torch::Tensor grad_norm;  // before clipping
};

struct StepValues {
  int64_t step = 0;
  double lr = 0;
  double loss = 0;
  double grad_norm = 0;
};

class Trainer {
 public:
  // Seeds torch's generators with options.seed and builds the model on `device`.
  Trainer(TrainerOptions options, model::ModelConfig config, data::TokenSource& source, torch::Device device);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  [[nodiscard]] model::Transformer& model() { return model_; }
  [[nodiscard]] const TrainerOptions& options() const { return options_; }
  [[nodiscard]] torch::Device device() const { return device_; }
  [[nodiscard]] int64_t step() const { return step_; }         // optimizer steps done
  [[nodiscard]] int64_t tokens() const { return tokens_; }     // training tokens consumed
  [[nodiscard]] int64_t tokens_per_step() const { return options_.batch_seqs * options_.seq_len; }

  // One optimizer step on the next training batch of the source.
  void train_step();
  // One optimizer step on the given windows: tokens [batch_seqs, seq_len + 1], integer, any device.
  void train_step_on(const torch::Tensor& tokens);
  // Values of the steps since the last flush (synchronises with the device), oldest first.
  [[nodiscard]] std::vector<StepValues> flush_metrics();

  // Mean held-out loss over options.eval_tokens (the same windows every time).
  [[nodiscard]] double evaluate();

  // The complete training state as bytes (a torch pickle readable by torch.load), and back.
  [[nodiscard]] std::vector<char> save_state() const;
  // Throws lps::Error(kRun) when the bytes do not hold a state of this model (the caller may fall back).
  void load_state(const std::vector<char>& bytes);

  // SHA-256 over every parameter's FP32 bytes in state-dict order: equal iff the weights are bit-equal.
  [[nodiscard]] std::string params_sha256() const;

  // Data parallel (distributed.h; added by the data-parallel issue). Connects `group` on this trainer's
  // device, copies rank 0's whole state (weights, AdamW moments, step, tokens, data position) to every rank,
  // and from then on each step trains this rank's batch_seqs/world sequences of the global batch and sums
  // the gradients (and the loss) with the other ranks before clipping: the mean over the global batch —
  // bucket by bucket during the step's last backward (RankOptions::bucket_mb).
  // Call once, after load_state() and before the first step. Throws lps::Error(kUserInput) when the batch
  // does not split (batch_seqs % world, micro_batch_seqs) or cuda_graph is on.
  void join_ranks(RankGroup& group);
  // True when every rank holds the same weights (a collective: every rank of the group calls it).
  [[nodiscard]] bool ranks_in_sync();
  // Data parallel: gradient all-reduce buckets (RankOptions::bucket_mb; 1 = one all-reduce after the
  // backward; 0 before join_ranks), and how many of them the last step started during its backward.
  [[nodiscard]] int64_t gradient_buckets() const;
  [[nodiscard]] int64_t buckets_started_during_backward() const;

 private:
  // The step itself: zero grads, forward/backward per micro-batch, clip, AdamW. No host synchronisation.
  // Returns (mean loss, grad norm) as device scalars. lr_tensor, when defined, overrides lr (graph mode).
  std::pair<torch::Tensor, torch::Tensor> run_step(const torch::Tensor& tokens, double lr, const torch::Tensor& lr_tensor);

 public:
  class Impl;  // public so helpers in trainer.cc can name it; its definition stays private to that file

 private:
  TrainerOptions options_;
  torch::Device device_;
  data::TokenSource& source_;
  model::Transformer model_{nullptr};
  std::unique_ptr<Impl> impl_;
  int64_t step_ = 0;
  int64_t tokens_ = 0;
};

}  // namespace lps::train
