// RunSpec → data source, scheme, model config and trainer options.
#include <lps/train/run_setup.h>

#include <lps/core/diagnostic.h>
#include <lps/core/error.h>
#include <lps/data/shard_source.h>
#include <lps/data/synthetic_source.h>
#include <lps/data/text_source.h>

#include <fmt/format.h>

#include <cmath>

namespace lps::train {
namespace {

constexpr int kDefaultSyntheticVocab = 4096;
constexpr int kDefaultSyntheticOrder = 4;

}  // namespace

std::unique_ptr<data::TokenSource> make_source(const plan::DataSpec& spec) {
  if (spec.kind == "synthetic") {
    data::SyntheticOptions o;
    o.vocab_size = spec.vocab_size > 0 ? spec.vocab_size : kDefaultSyntheticVocab;
    o.order = spec.synthetic_order > 0 ? spec.synthetic_order : kDefaultSyntheticOrder;
    o.seed = spec.seed;
    return std::make_unique<data::SyntheticSource>(o);
  }
  if (spec.kind == "text") {
    data::TextOptions o;
    o.paths = spec.paths;
    o.tokenizer = spec.tokenizer;
    o.heldout_fraction = spec.heldout_fraction;
    o.seed = spec.seed;
    return data::open_text_source(o);
  }
  if (spec.kind == "shards") {
    data::ShardOptions o;
    o.paths = data::expand_paths(spec.paths);
    o.heldout_fraction = spec.heldout_fraction;
    o.seed = spec.seed;
    o.vocab_size = spec.vocab_size;
    return std::make_unique<data::ShardSource>(std::move(o));
  }
  throw Error(ErrorKind::kUserInput,
              fmt::format("data.kind: unknown source '{}' (synthetic | text | shards)", spec.kind));
}

quant::Scheme make_scheme(const plan::SchemeSpec& spec) {
  if (!spec.preset.empty()) {
    auto scheme = quant::preset_scheme(spec.preset);
    if (!scheme) throw Error(ErrorKind::kUserInput, fmt::format("scheme: unknown preset '{}'", spec.preset));
    if (!spec.name.empty()) scheme->name = spec.name;
    return *scheme;
  }
  DiagnosticList problems;
  quant::Scheme scheme;
  scheme.name = spec.name.empty() ? "custom" : spec.name;
  const std::pair<const char*, const plan::OperandSpec*> operands[] = {
      {"fwd_x", &spec.fwd_x},   {"fwd_w", &spec.fwd_w},     {"bwd_dy", &spec.bwd_dy},
      {"bwd_w", &spec.bwd_w},   {"bwd_dyt", &spec.bwd_dyt}, {"bwd_xt", &spec.bwd_xt}};
  for (int i = 0; i < quant::kNumOperands; ++i) {
    const auto& [key, o] = operands[i];
    auto& q = scheme.operands[i];
    auto bad = [&](const char* field, const std::string& value) {
      problems.add({"<scheme>", 0, 0, fmt::format("scheme.{}.{}", key, field), fmt::format("unknown value '{}'", value)});
    };
    if (auto f = quant::parse_format(o->format)) q.format = *f; else bad("format", o->format);
    if (auto r = quant::parse_rounding(o->rounding)) q.rounding = *r; else bad("rounding", o->rounding);
    if (auto s = quant::parse_scale_rule(o->scale)) q.scale = *s; else bad("scale", o->scale);
    q.hadamard = o->hadamard;
    q.random_signs = o->random_signs;
    q.trust_mask = o->trust_mask;
  }
  problems.throw_if_any();
  return scheme;
}

model::ModelConfig make_model_config(const plan::RunSpec& spec, int vocab_size) {
  model::ModelConfig c;
  const auto& m = spec.model;
  // lib/plan writes every shape field out (its names, e.g. "tiny-s" or a user's "g-m", are labels); the
  // model's own preset table is only consulted for a spec that leaves the shape incomplete.
  const bool explicit_shape = m.n_layers > 0 && m.d_model > 0 && m.n_heads > 0 && m.head_dim > 0 && m.d_ff > 0;
  if (!m.preset.empty() && !explicit_shape) {
    auto preset = model::preset_config(m.preset);
    if (!preset) throw Error(ErrorKind::kUserInput, fmt::format("model.preset: unknown preset '{}'", m.preset));
    c = *preset;
  }
  if (m.n_layers > 0) c.n_layers = m.n_layers;
  if (m.d_model > 0) c.d_model = m.d_model;
  if (m.n_heads > 0) c.n_heads = m.n_heads;
  if (m.head_dim > 0) c.head_dim = m.head_dim;
  if (m.d_ff > 0) c.d_ff = m.d_ff;
  if (m.vocab_size > 0 && m.vocab_size != vocab_size) {
    throw Error(ErrorKind::kUserInput, fmt::format("model.vocab_size is {} but the data source has {} tokens",
                                                   m.vocab_size, vocab_size));
  }
  c.vocab_size = vocab_size;
  c.max_seq_len = m.seq_len;
  c.scheme = make_scheme(spec.scheme);
  c.validate();
  return c;
}

int64_t total_steps(const plan::RunSpec& spec) {
  const int64_t per_step = spec.optim.batch_seqs * spec.model.seq_len;
  LPS_CHECK(per_step > 0);
  return std::max<int64_t>(1, (spec.tokens + per_step - 1) / per_step);
}

TrainerOptions make_trainer_options(const plan::RunSpec& spec) {
  TrainerOptions o;
  o.batch_seqs = spec.optim.batch_seqs;
  o.micro_batch_seqs = spec.optim.micro_batch_seqs;
  o.seq_len = spec.model.seq_len;
  o.schedule.lr = spec.optim.lr;
  o.schedule.total_steps = total_steps(spec);
  o.schedule.warmup_steps = static_cast<int64_t>(std::llround(spec.optim.warmup_fraction * o.schedule.total_steps));
  o.schedule.warmup_start_ratio = spec.optim.warmup_start_ratio;
  o.schedule.final_ratio = spec.optim.final_lr_ratio;
  o.weight_decay = spec.optim.weight_decay;
  o.beta1 = spec.optim.beta1;
  o.beta2 = spec.optim.beta2;
  o.grad_clip = spec.optim.grad_clip;
  o.eval_tokens = spec.eval.tokens;
  o.seed = spec.seed;
  return o;
}

}  // namespace lps::train
