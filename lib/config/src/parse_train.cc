// train:, eval:, checkpoint: and retry: — hyper-parameters shared by every run of the sweep.
#include <fmt/format.h>

#include <array>

#include "edit_distance.h"
#include "section_parsers.h"

namespace lps::config::detail {

namespace {

constexpr std::array<std::string_view, 11> kTrainKeys{
    "lr",    "final_lr_ratio", "warmup_fraction", "warmup_start_ratio", "weight_decay",
    "betas", "grad_clip",      "batch_seqs",      "micro_batch_seqs",   "seq_len",
    "ranks"};
constexpr std::array<std::string_view, 4> kPowerLawKeys{"rule", "base_lr", "base_params", "exponent"};
constexpr std::array<std::string_view, 1> kLrRules{"power_law"};
constexpr std::array<std::string_view, 1> kLrWords{"paper"};
constexpr std::array<std::string_view, 2> kEvalKeys{"every_steps", "tokens"};
constexpr std::array<std::string_view, 2> kCheckpointKeys{"every_steps", "keep"};
constexpr std::array<std::string_view, 2> kRetryKeys{"max_attempts", "backoff_s"};
constexpr int64_t kMaxBatchSeqs = 1'000'000;
constexpr int64_t kMaxRanks = 1024;  // data-parallel processes per run (docs/data-parallel.md)
constexpr int64_t kMaxSteps = 1'000'000'000'000;
constexpr int64_t kMaxSeqLen = 1 << 20;
constexpr double kMaxLr = 1.0;
constexpr double kMaxWeightDecay = 10.0;
constexpr double kMaxGradClip = 1e6;
constexpr double kMaxBackoffS = 86400;
constexpr int64_t kMaxEvalTokens = 1'000'000'000'000;

// Sets `dst` from node[key] (when present) through `read`.
template <typename T, typename Read>
void optional_field(const YAML::Node& node, std::string_view key, const std::string& path, T& dst,
                    Read read) {
  const YAML::Node n = node[std::string(key)];
  if (!n.IsDefined()) return;
  if (auto v = read(n, child_path(path, key))) dst = static_cast<T>(*v);
}

void parse_power_law(YamlReader& r, const YAML::Node& node, const std::string& path, LrSpec& out) {
  if (!r.check_map(node, path, kPowerLawKeys)) return;
  out.rule = LrRule::kPowerLaw;
  if (r.require(node, "rule", path))
    (void)r.choice(node["rule"], child_path(path, "rule"), kLrRules, "lr rule");
  if (r.require(node, "base_lr", path)) {
    if (auto v = r.real(node["base_lr"], child_path(path, "base_lr"), 0, kMaxLr, true)) out.base_lr = *v;
  }
  if (r.require(node, "base_params", path)) {
    if (auto v = r.token_count(node["base_params"], child_path(path, "base_params"), 1, INT64_MAX / 2)) {
      out.base_params = static_cast<double>(*v);
    }
  }
  if (r.require(node, "exponent", path)) {
    if (auto v = r.real(node["exponent"], child_path(path, "exponent"), -2, 2)) out.exponent = *v;
  }
}

}  // namespace

void parse_train(YamlReader& r, const YAML::Node& node, TrainEntry& out) {
  const std::string path = "train";
  if (!node.IsDefined() || !r.check_map(node, path, kTrainKeys)) return;
  auto real = [&r](double lo, double hi, bool lo_open = false, bool hi_open = false) {
    return [&r, lo, hi, lo_open, hi_open](const YAML::Node& n, const std::string& p) {
      return r.real(n, p, lo, hi, lo_open, hi_open);
    };
  };
  auto integer = [&r](int64_t lo, int64_t hi) {
    return [&r, lo, hi](const YAML::Node& n, const std::string& p) { return r.integer(n, p, lo, hi); };
  };
  optional_field(node, "final_lr_ratio", path, out.final_lr_ratio, real(0, 1));
  optional_field(node, "warmup_fraction", path, out.warmup_fraction, real(0, 1, false, true));
  optional_field(node, "warmup_start_ratio", path, out.warmup_start_ratio, real(0, 1));
  optional_field(node, "weight_decay", path, out.weight_decay, real(0, kMaxWeightDecay));
  optional_field(node, "grad_clip", path, out.grad_clip, real(0, kMaxGradClip));
  optional_field(node, "batch_seqs", path, out.batch_seqs, integer(1, kMaxBatchSeqs));
  optional_field(node, "seq_len", path, out.seq_len, integer(2, kMaxSeqLen));
  if (const YAML::Node n = node["betas"]; n.IsDefined()) {
    const std::string p = child_path(path, "betas");
    if (!n.IsSequence() || n.size() != 2) {
      r.error(n, p,
              fmt::format("expected two numbers [beta1, beta2], got {}",
                          n.IsSequence() ? fmt::format("a list of {}", n.size()) : describe(n)));
    } else {
      if (auto v = r.real(n[0], index_path(p, 0), 0, 1, false, true)) out.beta1 = *v;
      if (auto v = r.real(n[1], index_path(p, 1), 0, 1, false, true)) out.beta2 = *v;
    }
  }
  // Data parallel: each rank takes batch_seqs/ranks sequences of every step.
  if (const YAML::Node n = node["ranks"]; n.IsDefined()) {
    const std::string p = child_path(path, "ranks");
    if (auto v = r.integer(n, p, 1, kMaxRanks)) {
      if (out.batch_seqs % *v != 0) {
        r.error(n, p, fmt::format("must divide train.batch_seqs ({}): each rank takes batch_seqs/ranks sequences "
                                  "of every step, got {}", out.batch_seqs, *v));
      } else {
        out.ranks = static_cast<int>(*v);
      }
    }
  }
  if (const YAML::Node n = node["micro_batch_seqs"]; n.IsDefined()) {
    const std::string p = child_path(path, "micro_batch_seqs");
    if (auto v = r.integer(n, p, 0, out.batch_seqs)) {
      const int64_t per_rank = out.batch_seqs / out.ranks;
      if (*v > 0 && out.batch_seqs % *v != 0) {
        r.error(n, p, fmt::format("must divide train.batch_seqs ({}), got {}", out.batch_seqs, *v));
      } else if (*v > 0 && per_rank % *v != 0) {
        r.error(n, p, fmt::format("must divide the sequences of each rank, train.batch_seqs / train.ranks = {} / {} "
                                  "= {}, got {}", out.batch_seqs, out.ranks, per_rank, *v));
      } else {
        out.micro_batch_seqs = *v;
      }
    }
  }
}

void parse_lr(YamlReader& r, const YAML::Node& train, const std::vector<ModelEntry>& models, LrSpec& out) {
  const std::string path = "train.lr";
  const bool given = train.IsDefined() && train.IsMap() && train["lr"].IsDefined();
  const YAML::Node node = given ? train["lr"] : YAML::Node();
  out.loc = loc_of(node);
  if (!given) {
    out.rule = LrRule::kPaper;
  } else if (node.IsNull()) {
    r.error(node, path, "needs a value: a number, 'paper', a table by model name or a rule");
    return;
  } else if (node.IsScalar() && node.Tag() != "!" && node.Scalar() != "paper") {
    out.rule = LrRule::kConstant;
    if (auto v = r.real(node, path, 0, kMaxLr, true)) out.value = *v;
    return;
  } else if (node.IsScalar()) {
    if (!r.choice(node, path, kLrWords, "learning-rate rule")) return;
    out.rule = LrRule::kPaper;
  } else if (node.IsMap() && node["rule"].IsDefined()) {
    parse_power_law(r, node, path, out);
    return;
  } else if (node.IsMap()) {
    out.rule = LrRule::kTable;
    std::vector<std::string_view> names;
    for (const ModelEntry& m : models) names.push_back(m.name);
    if (!r.check_map(node, path, names)) return;
    for (const ModelEntry& m : models) {
      const YAML::Node v = node[m.name];
      if (!v.IsDefined()) {
        r.error(node, path, fmt::format("has no learning rate for model '{}'", m.name));
      } else if (auto lr = r.real(v, child_path(path, m.name), 0, kMaxLr, true)) {
        out.table[m.name] = *lr;
      }
    }
    return;
  } else {
    r.error(
        node, path,
        fmt::format("expected a number, 'paper', a table by model name or a rule, got {}", describe(node)));
    return;
  }
  // Paper rule: every model must be a preset of its original shape.
  for (size_t i = 0; i < models.size(); ++i) {
    if (models[i].paper_lr == 0) {
      r.error(
          models[i].loc, index_path("models", i),
          fmt::format("'{}' has no paper learning rate (not an unchanged preset); set train.lr to a number, "
                      "a table by model name or a rule",
                      models[i].name));
    }
  }
}

void parse_eval(YamlReader& r, const YAML::Node& node, EvalEntry& out) {
  const std::string path = "eval";
  if (!node.IsDefined() || !r.check_map(node, path, kEvalKeys)) return;
  if (const YAML::Node n = node["every_steps"]; n.IsDefined()) {
    if (auto v = r.integer(n, child_path(path, "every_steps"), 0, kMaxSteps)) out.every_steps = *v;
  }
  if (const YAML::Node n = node["tokens"]; n.IsDefined()) {
    if (auto v = r.token_count(n, child_path(path, "tokens"), 1, kMaxEvalTokens)) out.tokens = *v;
  }
}

void parse_checkpoint(YamlReader& r, const YAML::Node& node, CheckpointEntry& out) {
  const std::string path = "checkpoint";
  if (!node.IsDefined() || !r.check_map(node, path, kCheckpointKeys)) return;
  if (const YAML::Node n = node["every_steps"]; n.IsDefined()) {
    if (auto v = r.integer(n, child_path(path, "every_steps"), 0, kMaxSteps)) out.every_steps = *v;
  }
  if (const YAML::Node n = node["keep"]; n.IsDefined()) {
    if (auto v = r.integer(n, child_path(path, "keep"), 1, 1000)) out.keep = static_cast<int>(*v);
  }
}

void parse_retry(YamlReader& r, const YAML::Node& node, RetryEntry& out) {
  const std::string path = "retry";
  if (!node.IsDefined() || !r.check_map(node, path, kRetryKeys)) return;
  if (const YAML::Node n = node["max_attempts"]; n.IsDefined()) {
    if (auto v = r.integer(n, child_path(path, "max_attempts"), 1, 100))
      out.max_attempts = static_cast<int>(*v);
  }
  if (const YAML::Node n = node["backoff_s"]; n.IsDefined()) {
    if (auto v = r.real(n, child_path(path, "backoff_s"), 0, kMaxBackoffS)) out.backoff_s = *v;
  }
}

}  // namespace lps::config::detail
