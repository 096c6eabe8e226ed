#include <lps/core/error.h>
#include <lps/plan/run_spec_json.h>

#include <nlohmann/json.hpp>

namespace lps::plan {

namespace {

using nlohmann::ordered_json;

ordered_json operand_json(const OperandSpec& o) {
  return ordered_json{
      {"format", o.format},     {"rounding", o.rounding},         {"scale", o.scale},
      {"hadamard", o.hadamard}, {"random_signs", o.random_signs}, {"trust_mask", o.trust_mask}};
}

// Reads obj[key] into dst when present; a wrong type throws IoError naming `path`.
template <typename T>
void read(const ordered_json& obj, const char* key, const std::string& path, T& dst) {
  const auto it = obj.find(key);
  if (it == obj.end()) return;
  try {
    if constexpr (std::is_same_v<T, double>) {
      if (!it->is_number()) throw IoError("");
      dst = it->template get<double>();
    } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if (!it->is_number_integer()) throw IoError("");
      if constexpr (std::is_unsigned_v<T>) {
        if (it->is_number_unsigned()) {
          dst = it->template get<T>();
        } else {
          const int64_t v = it->template get<int64_t>();
          if (v < 0) throw IoError("");
          dst = static_cast<T>(v);
        }
      } else {
        dst = it->template get<T>();
      }
    } else {
      dst = it->template get<T>();
    }
  } catch (const std::exception&) {
    throw IoError(
        fmt::format("run spec JSON: field '{}{}' has the wrong type ({})", path, key, it->type_name()));
  }
}

const ordered_json& object_at(const ordered_json& obj, const char* key, const std::string& path) {
  static const ordered_json kEmpty = ordered_json::object();
  const auto it = obj.find(key);
  if (it == obj.end()) return kEmpty;
  if (!it->is_object()) {
    throw IoError(
        fmt::format("run spec JSON: field '{}{}' must be an object, got {}", path, key, it->type_name()));
  }
  return *it;
}

void read_operand(const ordered_json& parent, const char* key, const std::string& path, OperandSpec& o) {
  const ordered_json& obj = object_at(parent, key, path);
  const std::string p = path + key + ".";
  read(obj, "format", p, o.format);
  read(obj, "rounding", p, o.rounding);
  read(obj, "scale", p, o.scale);
  read(obj, "hadamard", p, o.hadamard);
  read(obj, "random_signs", p, o.random_signs);
  read(obj, "trust_mask", p, o.trust_mask);
}

}  // namespace

std::string to_json(const RunSpec& s) {
  ordered_json j;
  j["sweep"] = s.sweep;
  j["model"] = ordered_json{{"preset", s.model.preset},         {"n_layers", s.model.n_layers},
                            {"d_model", s.model.d_model},       {"n_heads", s.model.n_heads},
                            {"head_dim", s.model.head_dim},     {"d_ff", s.model.d_ff},
                            {"vocab_size", s.model.vocab_size}, {"seq_len", s.model.seq_len}};
  j["n_params"] = s.n_params;
  j["tokens"] = s.tokens;
  j["scheme"] = ordered_json{{"name", s.scheme.name},
                             {"preset", s.scheme.preset},
                             {"fwd_x", operand_json(s.scheme.fwd_x)},
                             {"fwd_w", operand_json(s.scheme.fwd_w)},
                             {"bwd_dy", operand_json(s.scheme.bwd_dy)},
                             {"bwd_w", operand_json(s.scheme.bwd_w)},
                             {"bwd_dyt", operand_json(s.scheme.bwd_dyt)},
                             {"bwd_xt", operand_json(s.scheme.bwd_xt)}};
  j["seed"] = s.seed;
  j["optim"] = ordered_json{{"lr", s.optim.lr},
                            {"final_lr_ratio", s.optim.final_lr_ratio},
                            {"warmup_fraction", s.optim.warmup_fraction},
                            {"warmup_start_ratio", s.optim.warmup_start_ratio},
                            {"weight_decay", s.optim.weight_decay},
                            {"beta1", s.optim.beta1},
                            {"beta2", s.optim.beta2},
                            {"grad_clip", s.optim.grad_clip},
                            {"batch_seqs", s.optim.batch_seqs},
                            {"micro_batch_seqs", s.optim.micro_batch_seqs}};
  j["eval"] = ordered_json{{"every_steps", s.eval.every_steps}, {"tokens", s.eval.tokens}};
  j["checkpoint"] = ordered_json{{"every_steps", s.checkpoint.every_steps}, {"keep", s.checkpoint.keep}};
  j["data"] = ordered_json{{"kind", s.data.kind},
                           {"paths", s.data.paths},
                           {"tokenizer", s.data.tokenizer},
                           {"vocab_size", s.data.vocab_size},
                           {"seed", s.data.seed},
                           {"heldout_fraction", s.data.heldout_fraction},
                           {"synthetic_order", s.data.synthetic_order},
                           {"root", s.data.root}};
  j["retry"] = ordered_json{{"max_attempts", s.retry.max_attempts}, {"backoff_s", s.retry.backoff_s}};
  j["log_every_steps"] = s.log_every_steps;
  if (s.ranks != 1) j["ranks"] = s.ranks;  // data parallel; absent = 1 (specs stored before it existed)
  return j.dump();
}

RunSpec run_spec_from_json(std::string_view json) {
  ordered_json j;
  try {
    j = ordered_json::parse(json);
  } catch (const ordered_json::parse_error& e) {
    throw IoError(fmt::format("run spec JSON: not valid JSON: {}", e.what()));
  }
  if (!j.is_object()) throw IoError(fmt::format("run spec JSON: expected an object, got {}", j.type_name()));
  RunSpec s;
  read(j, "sweep", "", s.sweep);
  const ordered_json& model = object_at(j, "model", "");
  read(model, "preset", "model.", s.model.preset);
  read(model, "n_layers", "model.", s.model.n_layers);
  read(model, "d_model", "model.", s.model.d_model);
  read(model, "n_heads", "model.", s.model.n_heads);
  read(model, "head_dim", "model.", s.model.head_dim);
  read(model, "d_ff", "model.", s.model.d_ff);
  read(model, "vocab_size", "model.", s.model.vocab_size);
  read(model, "seq_len", "model.", s.model.seq_len);
  read(j, "n_params", "", s.n_params);
  read(j, "tokens", "", s.tokens);
  const ordered_json& scheme = object_at(j, "scheme", "");
  read(scheme, "name", "scheme.", s.scheme.name);
  read(scheme, "preset", "scheme.", s.scheme.preset);
  read_operand(scheme, "fwd_x", "scheme.", s.scheme.fwd_x);
  read_operand(scheme, "fwd_w", "scheme.", s.scheme.fwd_w);
  read_operand(scheme, "bwd_dy", "scheme.", s.scheme.bwd_dy);
  read_operand(scheme, "bwd_w", "scheme.", s.scheme.bwd_w);
  read_operand(scheme, "bwd_dyt", "scheme.", s.scheme.bwd_dyt);
  read_operand(scheme, "bwd_xt", "scheme.", s.scheme.bwd_xt);
  read(j, "seed", "", s.seed);
  const ordered_json& optim = object_at(j, "optim", "");
  read(optim, "lr", "optim.", s.optim.lr);
  read(optim, "final_lr_ratio", "optim.", s.optim.final_lr_ratio);
  read(optim, "warmup_fraction", "optim.", s.optim.warmup_fraction);
  read(optim, "warmup_start_ratio", "optim.", s.optim.warmup_start_ratio);
  read(optim, "weight_decay", "optim.", s.optim.weight_decay);
  read(optim, "beta1", "optim.", s.optim.beta1);
  read(optim, "beta2", "optim.", s.optim.beta2);
  read(optim, "grad_clip", "optim.", s.optim.grad_clip);
  read(optim, "batch_seqs", "optim.", s.optim.batch_seqs);
  read(optim, "micro_batch_seqs", "optim.", s.optim.micro_batch_seqs);
  const ordered_json& eval = object_at(j, "eval", "");
  read(eval, "every_steps", "eval.", s.eval.every_steps);
  read(eval, "tokens", "eval.", s.eval.tokens);
  const ordered_json& checkpoint = object_at(j, "checkpoint", "");
  read(checkpoint, "every_steps", "checkpoint.", s.checkpoint.every_steps);
  read(checkpoint, "keep", "checkpoint.", s.checkpoint.keep);
  const ordered_json& data = object_at(j, "data", "");
  read(data, "kind", "data.", s.data.kind);
  read(data, "paths", "data.", s.data.paths);
  read(data, "tokenizer", "data.", s.data.tokenizer);
  read(data, "vocab_size", "data.", s.data.vocab_size);
  read(data, "seed", "data.", s.data.seed);
  read(data, "heldout_fraction", "data.", s.data.heldout_fraction);
  read(data, "synthetic_order", "data.", s.data.synthetic_order);
  read(data, "root", "data.", s.data.root);
  const ordered_json& retry = object_at(j, "retry", "");
  read(retry, "max_attempts", "retry.", s.retry.max_attempts);
  read(retry, "backoff_s", "retry.", s.retry.backoff_s);
  read(j, "log_every_steps", "", s.log_every_steps);
  read(j, "ranks", "", s.ranks);
  return s;
}

}  // namespace lps::plan
