#include <fmt/format.h>
#include <lps/core/sha256.h>
#include <lps/plan/run_key.h>

namespace lps::plan {

namespace {

constexpr std::string_view kFormatVersion = "lps-run/1";

// Values end at the newline: escape the characters that could fake a line or an escape.
std::string escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  return out;
}

std::string relative_to_root(const std::string& path, const std::string& root) {
  if (root.empty()) return path;
  const std::string prefix = root.back() == '/' ? root : root + "/";
  return path.rfind(prefix, 0) == 0 ? path.substr(prefix.size()) : path;
}

std::string operand_text(const OperandSpec& o) {
  return fmt::format("format:{},rounding:{},scale:{},hadamard:{},random_signs:{},trust_mask:{}",
                     escaped(o.format), escaped(o.rounding), escaped(o.scale), o.hadamard,
                     o.random_signs ? 1 : 0, o.trust_mask ? 1 : 0);
}

std::string compact_count(int64_t tokens) {
  const double d = static_cast<double>(tokens);
  if (tokens >= 1'000'000'000'000) return fmt::format("{:.1f}T", d / 1e12);
  if (tokens >= 1'000'000'000) return fmt::format("{:.1f}B", d / 1e9);
  if (tokens >= 1'000'000) return fmt::format("{:.1f}M", d / 1e6);
  if (tokens >= 1'000) return fmt::format("{:.0f}K", d / 1e3);
  return fmt::format("{}", tokens);
}

}  // namespace

std::string canonical_form(const RunSpec& s) {
  std::string out;
  auto line = [&out](std::string_view key, const auto& value) { out += fmt::format("{}={}\n", key, value); };
  out += kFormatVersion;
  out += '\n';
  line("sweep", escaped(s.sweep));
  line("model.name", escaped(s.model.preset));
  line("model.n_layers", s.model.n_layers);
  line("model.d_model", s.model.d_model);
  line("model.n_heads", s.model.n_heads);
  line("model.head_dim", s.model.head_dim);
  line("model.d_ff", s.model.d_ff);
  line("model.vocab_size", s.model.vocab_size);
  line("model.seq_len", s.model.seq_len);
  line("n_params", s.n_params);
  line("tokens", s.tokens);
  line("scheme.name", escaped(s.scheme.name));
  line("scheme.preset", escaped(s.scheme.preset));
  if (s.scheme.preset.empty()) {  // a preset's operands are defined by its name
    line("scheme.fwd_x", operand_text(s.scheme.fwd_x));
    line("scheme.fwd_w", operand_text(s.scheme.fwd_w));
    line("scheme.bwd_dy", operand_text(s.scheme.bwd_dy));
    line("scheme.bwd_w", operand_text(s.scheme.bwd_w));
    line("scheme.bwd_dyt", operand_text(s.scheme.bwd_dyt));
    line("scheme.bwd_xt", operand_text(s.scheme.bwd_xt));
  }
  line("seed", s.seed);
  line("optim.lr", s.optim.lr);
  line("optim.final_lr_ratio", s.optim.final_lr_ratio);
  line("optim.warmup_fraction", s.optim.warmup_fraction);
  line("optim.warmup_start_ratio", s.optim.warmup_start_ratio);
  line("optim.weight_decay", s.optim.weight_decay);
  line("optim.beta1", s.optim.beta1);
  line("optim.beta2", s.optim.beta2);
  line("optim.grad_clip", s.optim.grad_clip);
  line("optim.batch_seqs", s.optim.batch_seqs);
  // 0 means "no accumulation", the same run as micro_batch_seqs == batch_seqs.
  line("optim.micro_batch_seqs",
       s.optim.micro_batch_seqs == 0 ? s.optim.batch_seqs : s.optim.micro_batch_seqs);
  line("eval.every_steps", s.eval.every_steps);
  line("eval.tokens", s.eval.tokens);
  line("data.kind", escaped(s.data.kind));
  line("data.paths", s.data.paths.size());
  for (const std::string& p : s.data.paths) line("data.path", escaped(relative_to_root(p, s.data.root)));
  line("data.tokenizer", escaped(relative_to_root(s.data.tokenizer, s.data.root)));
  line("data.vocab_size", s.data.vocab_size);
  line("data.seed", s.data.seed);
  line("data.heldout_fraction", s.data.heldout_fraction);
  line("data.synthetic_order", s.data.synthetic_order);
  // Data parallel: written only when not 1, so every run planned before the key existed keeps its key.
  if (s.ranks != 1) line("ranks", s.ranks);
  return out;
}

std::string run_key(const RunSpec& spec) {
  return sha256_hex(canonical_form(spec));
}

std::string run_label(const RunSpec& spec) {
  return fmt::format("{}_D{}_{}_s{}", spec.model.preset, compact_count(spec.tokens), spec.scheme.name,
                     spec.seed);
}

}  // namespace lps::plan
