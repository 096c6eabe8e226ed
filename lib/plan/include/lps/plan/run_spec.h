// RunSpec: one training run of a sweep, as plain data — the contract between plan (which makes them),
// store (which queues them), runner (which claims them) and train (which executes them).
//
// Everything a run's result depends on is in here, so the RunKey (SHA-256 of the canonical form) names
// the run: submitting the same sweep twice adds nothing, and an edited sweep adds only its new runs.
// Fields that do not change the result (e.g. log intervals) are excluded from the canonical form.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lps::plan {

// One operand's quantizer as the user spelled it; validated by lib/config against the vocabulary of
// docs/sweep-spec.md, turned into lps::quant types by lib/train.
struct OperandSpec {
  std::string format = "bf16";    // bf16 | fp8_e4m3 | fp8_e5m2 | mxfp4 | nvfp4 | int4 | int8
  std::string rounding = "rtn";   // rtn | sr
  std::string scale = "absmax";   // absmax | absmax_3_4 | quest | four_over_six | ms_eden
  int hadamard = 0;               // 0 = none, else block size 16 | 32 | 64 | 128
  bool random_signs = false;      // signs redrawn per call, applied before the Hadamard transform
  bool trust_mask = false;        // forward only: straight-through inside, zero gradient where clipped

  bool operator==(const OperandSpec&) const = default;
};

// A precision scheme: a quantizer for each of the six GEMM operands of a linear layer Y = X·Wᵀ.
struct SchemeSpec {
  std::string name;    // what the user calls it (a preset name, or their own for a spelled-out scheme)
  std::string preset;  // a preset name (bf16, fp8, ..., quartet2; defined in lps::quant::preset_scheme), in
                       // which case the operand fields below are left at their defaults and ignored;
                       // "" when the scheme is spelled out operand by operand
  OperandSpec fwd_x;   // forward GEMM, activations
  OperandSpec fwd_w;   // forward GEMM, weights
  OperandSpec bwd_dy;  // input-gradient GEMM dX = dY·W: the output gradient
  OperandSpec bwd_w;   // input-gradient GEMM: the weights
  OperandSpec bwd_dyt; // weight-gradient GEMM dW = dYᵀ·X: the output gradient, transposed
  OperandSpec bwd_xt;  // weight-gradient GEMM: the activations, transposed

  bool operator==(const SchemeSpec&) const = default;
};

// Decoder shape (DESIGN.md §4). d_ff = 256·⌈⌊8d/3⌋/256⌉ unless given.
struct ModelShape {
  std::string preset;   // "30M" ... "800M", a tiny preset, or "" when spelled out
  int n_layers = 0;
  int d_model = 0;
  int n_heads = 0;
  int head_dim = 0;     // n_heads·head_dim is the attention width
  int d_ff = 0;
  int vocab_size = 0;   // comes from the data source
  int seq_len = 512;

  bool operator==(const ModelShape&) const = default;
};

struct DataSpec {
  std::string kind = "synthetic";  // synthetic | text | shards
  std::vector<std::string> paths;  // text files/globs or .bin shards (absolute, resolved by config)
  std::string tokenizer = "bytes"; // bytes | path to a sentencepiece model (text only)
  int vocab_size = 0;              // synthetic: alphabet size; text: 256 (bytes) or the model's; shards: given
  uint64_t seed = 0;               // data order / synthetic source seed
  double heldout_fraction = 0.01;  // share held out for evaluation
  int synthetic_order = 0;         // synthetic only: context order of the source (0 = source default)
  std::string root;                // the sweep file's folder, against which relative paths were resolved;
                                   // canonical_form writes paths relative to it, so RunKeys survive moving
                                   // the project (not itself part of the key)

  bool operator==(const DataSpec&) const = default;
};

struct OptimSpec {
  double lr = 1e-3;                 // peak learning rate
  double final_lr_ratio = 0.1;      // cosine decays to lr·final_lr_ratio
  double warmup_fraction = 0.1;     // of total steps
  double warmup_start_ratio = 0.01; // warmup starts at lr·warmup_start_ratio
  double weight_decay = 0.1;        // not on norms, embedding, head
  double beta1 = 0.9;
  double beta2 = 0.95;
  double grad_clip = 1.0;
  int64_t batch_seqs = 64;          // sequences per optimizer step
  int64_t micro_batch_seqs = 0;     // per forward/backward; 0 = batch_seqs (no accumulation)

  bool operator==(const OptimSpec&) const = default;
};

struct EvalSpec {
  int64_t every_steps = 0;          // 0 = only at the end
  int64_t tokens = 1 << 20;         // held-out tokens per evaluation

  bool operator==(const EvalSpec&) const = default;
};

struct CheckpointSpec {
  int64_t every_steps = 0;          // 0 = only when stopped; checkpoints never change results
  int keep = 2;                     // newest checkpoints kept

  bool operator==(const CheckpointSpec&) const = default;
};

struct RetrySpec {
  int max_attempts = 3;             // infrastructure failures; diverged runs are never retried
  double backoff_s = 10;            // first retry delay, doubled each time

  bool operator==(const RetrySpec&) const = default;
};

struct RunSpec {
  std::string sweep;        // sweep name
  ModelShape model;
  int64_t n_params = 0;     // N: non-embedding parameters including norm weights
  int64_t tokens = 0;       // D: training tokens
  SchemeSpec scheme;
  uint64_t seed = 0;        // model init / SR seed
  OptimSpec optim;
  EvalSpec eval;
  CheckpointSpec checkpoint;
  DataSpec data;
  RetrySpec retry;
  int64_t log_every_steps = 10;  // metrics to the store; not part of the key
  // Added by the data-parallel issue (additive): processes (one GPU each, or CPU ranks with Gloo) that
  // train this run together, each on batch_seqs/ranks sequences of every step (docs/data-parallel.md).
  // Part of the key only when not 1 (sums in another order are not bit-equal), so existing keys stay.
  int ranks = 1;

  bool operator==(const RunSpec&) const = default;
};

}  // namespace lps::plan
