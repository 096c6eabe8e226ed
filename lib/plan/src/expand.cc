#include <fmt/format.h>
#include <lps/core/diagnostic.h>
#include <lps/plan/expand.h>
#include <lps/plan/model_size.h>

#include <algorithm>
#include <cmath>

namespace lps::plan {

namespace {

OperandSpec to_operand(const config::OperandEntry& e) {
  OperandSpec o;
  o.format = e.format;
  o.rounding = e.rounding;
  o.scale = e.scale;
  o.hadamard = e.hadamard;
  o.random_signs = e.random_signs;
  o.trust_mask = e.trust_mask;
  return o;
}

SchemeSpec to_scheme(const config::SchemeEntry& e) {
  SchemeSpec s;
  s.name = e.name;
  s.preset = e.preset;
  if (e.preset.empty()) {  // preset schemes keep default operands: lps::quant::preset_scheme defines them
    s.fwd_x = to_operand(e.fwd_x);
    s.fwd_w = to_operand(e.fwd_w);
    s.bwd_dy = to_operand(e.bwd_dy);
    s.bwd_w = to_operand(e.bwd_w);
    s.bwd_dyt = to_operand(e.bwd_dyt);
    s.bwd_xt = to_operand(e.bwd_xt);
  }
  return s;
}

ModelShape to_shape(const config::ModelEntry& m, int vocab_size) {
  ModelShape shape;
  shape.preset = m.name;  // the preset name, or the entry's own name for explicit or changed shapes
  shape.n_layers = m.n_layers;
  shape.d_model = m.d_model;
  shape.n_heads = m.n_heads;
  shape.head_dim = m.head_dim;
  shape.d_ff = m.d_ff;
  shape.vocab_size = vocab_size;
  shape.seq_len = m.seq_len;
  return shape;
}

double learning_rate(const config::LrSpec& lr, const config::ModelEntry& m, int64_t n_params) {
  switch (lr.rule) {
    case config::LrRule::kConstant: return lr.value;
    case config::LrRule::kPaper: return m.paper_lr;
    case config::LrRule::kTable: return lr.table.at(m.name);
    case config::LrRule::kPowerLaw:
      return lr.base_lr * std::pow(static_cast<double>(n_params) / lr.base_params, lr.exponent);
  }
  return lr.value;
}

struct Budget {
  int64_t tokens = 0;
  config::SourceLoc loc;
  std::string key_path;
};

// The model's budgets rounded to whole steps, sorted by D, duplicates dropped; problems go to `problems`.
std::vector<Budget> budgets_for(const config::SweepSpec& sweep, const config::ModelEntry& m, int64_t n_params,
                                DiagnosticList& problems) {
  const int64_t step = sweep.train.batch_seqs * m.seq_len;
  std::vector<Budget> out;
  auto add = [&](double wanted, config::SourceLoc loc, std::string key_path, const std::string& what) {
    const double steps = std::round(wanted / static_cast<double>(step));
    if (steps < 1) {
      problems.add(
          Diagnostic{sweep.file, loc.line, loc.col, key_path,
                     fmt::format("{} is less than one optimizer step of model '{}' ({} sequences × {} "
                                 "tokens = {}); raise the budget or shrink train.batch_seqs",
                                 what, m.name, sweep.train.batch_seqs, m.seq_len, step)});
      return;
    }
    out.push_back(Budget{static_cast<int64_t>(steps) * step, loc, std::move(key_path)});
  };
  const bool one_count = sweep.tokens.counts.size() == 1;
  for (size_t i = 0; i < sweep.tokens.counts.size(); ++i) {
    const int64_t d = sweep.tokens.counts[i];
    add(static_cast<double>(d), sweep.tokens.count_locs[i],
        one_count ? "tokens" : fmt::format("tokens[{}]", i), fmt::format("{} tokens", d));
  }
  const bool one_ratio = sweep.tokens.per_param.size() == 1;
  for (size_t i = 0; i < sweep.tokens.per_param.size(); ++i) {
    const double ratio = sweep.tokens.per_param[i];
    const double d = ratio * static_cast<double>(n_params);
    add(d, sweep.tokens.per_param_locs[i],
        one_ratio ? "tokens_per_param" : fmt::format("tokens_per_param[{}]", i),
        fmt::format("{} × N ({}) = {:.0f} tokens", ratio, n_params, d));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Budget& a, const Budget& b) { return a.tokens < b.tokens; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const Budget& a, const Budget& b) { return a.tokens == b.tokens; }),
            out.end());
  return out;
}

}  // namespace

std::vector<RunSpec> expand(const config::SweepSpec& sweep) {
  DiagnosticList problems;
  std::vector<RunSpec> runs;
  for (const config::ModelEntry& m : sweep.models) {
    const ModelShape shape = to_shape(m, sweep.data.vocab_size);
    const int64_t n_params = count_non_embedding_params(shape);
    const std::vector<Budget> budgets = budgets_for(sweep, m, n_params, problems);
    for (const Budget& budget : budgets) {
      for (const config::SchemeEntry& scheme : sweep.schemes) {
        for (uint64_t seed : sweep.seeds) {
          RunSpec r;
          r.sweep = sweep.name;
          r.model = shape;
          r.n_params = n_params;
          r.tokens = budget.tokens;
          r.scheme = to_scheme(scheme);
          r.seed = seed;
          const config::TrainEntry& t = sweep.train;
          r.optim.lr = learning_rate(t.lr, m, n_params);
          r.optim.final_lr_ratio = t.final_lr_ratio;
          r.optim.warmup_fraction = t.warmup_fraction;
          r.optim.warmup_start_ratio = t.warmup_start_ratio;
          r.optim.weight_decay = t.weight_decay;
          r.optim.beta1 = t.beta1;
          r.optim.beta2 = t.beta2;
          r.optim.grad_clip = t.grad_clip;
          r.optim.batch_seqs = t.batch_seqs;
          r.optim.micro_batch_seqs = t.micro_batch_seqs == 0 ? t.batch_seqs : t.micro_batch_seqs;
          r.eval.every_steps = sweep.eval.every_steps;
          r.eval.tokens = sweep.eval.tokens;
          r.checkpoint.every_steps = sweep.checkpoint.every_steps;
          r.checkpoint.keep = sweep.checkpoint.keep;
          r.data.kind = sweep.data.kind;
          r.data.paths = sweep.data.paths;
          r.data.tokenizer = sweep.data.tokenizer;
          r.data.vocab_size = sweep.data.vocab_size;
          r.data.seed = sweep.data.seed;
          r.data.heldout_fraction = sweep.data.heldout_fraction;
          r.data.synthetic_order = sweep.data.synthetic_order;
          r.data.root = sweep.data.root;
          r.retry.max_attempts = sweep.retry.max_attempts;
          r.retry.backoff_s = sweep.retry.backoff_s;
          r.ranks = t.ranks;  // data parallel (docs/data-parallel.md)
          r.log_every_steps = sweep.log_every_steps;
          runs.push_back(std::move(r));
        }
      }
    }
  }
  problems.throw_if_any();
  return runs;
}

}  // namespace lps::plan
