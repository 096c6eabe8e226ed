// The tiny run the trainer, kill/resume and reliability tests share: a 2-layer d=32 model on the synthetic
// source that trains in about a second on one CPU core.
#pragma once

#include <lps/plan/run_spec.h>

#include <cstdint>

namespace lps::test {

inline plan::RunSpec tiny_run_spec(int64_t steps, int64_t checkpoint_every = 0) {
  plan::RunSpec spec;
  spec.sweep = "test";
  spec.model.n_layers = 2;
  spec.model.d_model = 32;
  spec.model.n_heads = 2;
  spec.model.head_dim = 16;
  spec.model.seq_len = 32;
  spec.data.kind = "synthetic";
  spec.data.vocab_size = 32;
  spec.data.synthetic_order = 2;
  spec.data.seed = 5;
  spec.optim.lr = 1e-2;
  spec.optim.batch_seqs = 8;
  spec.optim.micro_batch_seqs = 4;
  spec.tokens = steps * spec.optim.batch_seqs * spec.model.seq_len;
  spec.eval.tokens = 64 * 32;
  spec.checkpoint.every_steps = checkpoint_every;
  spec.log_every_steps = 10;
  spec.seed = 3;
  return spec;
}

}  // namespace lps::test
