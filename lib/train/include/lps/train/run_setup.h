// The pieces run_training builds from a RunSpec, exposed so tests, `lpsweep bench train` and the runner can
// build the same things: the data source, the model config, the trainer options and the precision scheme.
#pragma once

#include <lps/data/token_source.h>
#include <lps/model/model_config.h>
#include <lps/plan/run_spec.h>
#include <lps/quant/scheme.h>
#include <lps/train/trainer.h>

#include <memory>

namespace lps::train {

// The data source of spec.data (synthetic | text | shards). Throws lps::Error(kUserInput) for bad specs.
[[nodiscard]] std::unique_ptr<data::TokenSource> make_source(const plan::DataSpec& spec);

// The scheme of a SchemeSpec: its preset, or the operands spelled out. Throws lps::UserInputError.
[[nodiscard]] quant::Scheme make_scheme(const plan::SchemeSpec& spec);

// The model config of a run: the preset's shape unless fields are spelled out, the data's vocabulary,
// the run's sequence length and scheme, tensor ids from 0.
[[nodiscard]] model::ModelConfig make_model_config(const plan::RunSpec& spec, int vocab_size);

// Optimizer steps of a run: ⌈tokens / (batch_seqs·seq_len)⌉, at least 1.
[[nodiscard]] int64_t total_steps(const plan::RunSpec& spec);

// Trainer options of a run (schedule, batch, eval size, seed); precision kAuto.
[[nodiscard]] TrainerOptions make_trainer_options(const plan::RunSpec& spec);

}  // namespace lps::train
