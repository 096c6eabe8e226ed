// models:, tokens:, tokens_per_param: and seeds: — the axes of the grid besides the schemes.
#include <fmt/format.h>
#include <lps/config/model_presets.h>

#include <array>
#include <map>
#include <vector>

#include "edit_distance.h"
#include "section_parsers.h"

namespace lps::config::detail {

namespace {

constexpr std::array<std::string_view, 8> kModelKeys{"name",    "preset",   "n_layers", "d_model",
                                                     "n_heads", "head_dim", "d_ff",     "seq_len"};
constexpr std::array<std::string_view, 5> kShapeKeys{"n_layers", "d_model", "n_heads", "head_dim", "d_ff"};
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxWidth = 1 << 16;
constexpr int64_t kMaxHeads = 1024;
constexpr int64_t kMaxHeadDim = 1024;
constexpr int64_t kMaxDff = 1 << 20;
constexpr int64_t kMinSeqLen = 2;
constexpr int64_t kMaxSeqLen = 1 << 20;
constexpr int64_t kMaxTokens = 1'000'000'000'000'000;  // 10^15
constexpr double kMaxTokensPerParam = 1e6;

std::vector<std::string_view> preset_names() {
  std::vector<std::string_view> names;
  for (const ModelPreset& p : model_presets()) names.push_back(p.name);
  return names;
}

void apply_preset(const ModelPreset& p, ModelEntry& m) {
  m.preset = std::string(p.name);
  m.name = std::string(p.name);
  m.n_layers = p.n_layers;
  m.d_model = p.d_model;
  m.n_heads = p.n_heads;
  m.head_dim = p.head_dim;
  m.seq_len = p.seq_len;
  m.paper_lr = p.lr;
}

std::optional<ModelPreset> preset_named(YamlReader& r, const YAML::Node& node, const std::string& path) {
  const std::vector<std::string_view> names = preset_names();
  const std::optional<std::string> name = r.choice(node, path, names, "model preset");
  return name ? find_model_preset(*name) : std::nullopt;
}

// A mapping entry: a preset with overrides, or an explicit shape. False when it cannot be used.
bool parse_model_map(YamlReader& r, const YAML::Node& node, const std::string& path, ModelEntry& m) {
  if (!r.check_map(node, path, kModelKeys, "a preset name or a mapping")) return false;
  bool ok = true;
  const YAML::Node preset = node["preset"];
  if (preset.IsDefined()) {
    if (auto p = preset_named(r, preset, child_path(path, "preset"))) {
      apply_preset(*p, m);
    } else {
      ok = false;
    }
  }
  bool reshaped = false;
  for (std::string_view key : kShapeKeys) reshaped = reshaped || node[std::string(key)].IsDefined();
  if (const YAML::Node n = node["name"]; n.IsDefined()) {
    if (auto v = r.name(n, child_path(path, "name")))
      m.name = *v;
    else
      ok = false;
  } else if (!preset.IsDefined() || reshaped) {
    r.error(node, child_path(path, "name"),
            preset.IsDefined() ? "is required when an entry changes a preset's shape"
                               : "is required for an "
                                 "explicit shape");
    ok = false;
  }
  auto field = [&](std::string_view key, int64_t lo, int64_t hi, int& dst) {
    const YAML::Node n = node[std::string(key)];
    if (!n.IsDefined()) {
      if (!preset.IsDefined() && key != "d_ff" && key != "seq_len") {
        r.error(node, child_path(path, key), "is required for an explicit shape");
        ok = false;
      }
      return;
    }
    if (auto v = r.integer(n, child_path(path, key), lo, hi))
      dst = static_cast<int>(*v);
    else
      ok = false;
  };
  field("n_layers", 1, kMaxLayers, m.n_layers);
  field("d_model", 1, kMaxWidth, m.d_model);
  field("n_heads", 1, kMaxHeads, m.n_heads);
  field("head_dim", 2, kMaxHeadDim, m.head_dim);
  field("d_ff", 1, kMaxDff, m.d_ff);
  field("seq_len", kMinSeqLen, kMaxSeqLen, m.seq_len);
  if (m.head_dim % 2 != 0 && node["head_dim"].IsDefined()) {
    r.error(node["head_dim"], child_path(path, "head_dim"),
            fmt::format("must be even (rotary embeddings rotate pairs), got {}", m.head_dim));
    ok = false;
  }
  if (reshaped && preset.IsDefined()) m.paper_lr = 0;  // a changed shape is no longer the paper's model
  return ok;
}

struct ShapeKey {
  int n_layers, d_model, n_heads, head_dim, d_ff, seq_len;
  auto operator<=>(const ShapeKey&) const = default;
};

}  // namespace

void parse_models(YamlReader& r, const YAML::Node& node, int train_seq_len, std::vector<ModelEntry>& out) {
  const std::string path = "models";
  const std::optional<std::vector<YAML::Node>> items = r.list(node, path, /*scalar_ok=*/false);
  if (!items) return;
  std::map<std::string, size_t> names;
  std::map<ShapeKey, std::pair<size_t, std::string>> shapes;  // shape -> first entry index, name
  for (size_t i = 0; i < items->size(); ++i) {
    const YAML::Node& item = (*items)[i];
    const std::string ip = index_path(path, i);
    ModelEntry m;
    m.loc = loc_of(item);
    bool ok;
    if (item.IsScalar()) {
      const std::optional<ModelPreset> p = preset_named(r, item, ip);
      ok = p.has_value();
      if (p) apply_preset(*p, m);
    } else {
      ok = parse_model_map(r, item, ip, m);
    }
    if (!ok) continue;
    if (m.d_ff == 0) m.d_ff = default_d_ff(m.d_model);
    if (train_seq_len > 0 && !(item.IsMap() && item["seq_len"].IsDefined())) m.seq_len = train_seq_len;
    if (m.seq_len == 0) m.seq_len = train_seq_len > 0 ? train_seq_len : 512;
    if (auto [it, inserted] = names.emplace(m.name, i); !inserted) {
      r.error(m.loc, ip,
              fmt::format("duplicate model name '{}' (first at {})", m.name, index_path(path, it->second)));
      continue;
    }
    const ShapeKey shape{m.n_layers, m.d_model, m.n_heads, m.head_dim, m.d_ff, m.seq_len};
    if (auto [it, inserted] = shapes.emplace(shape, std::pair(i, m.name)); !inserted) {
      r.error(m.loc, ip,
              fmt::format("'{}' has the same shape as {} ('{}'); their runs would be identical", m.name,
                          index_path(path, it->second.first), it->second.second));
      continue;
    }
    out.push_back(std::move(m));
  }
}

void parse_token_budgets(YamlReader& r, const YAML::Node& tokens, const YAML::Node& per_param,
                         const YAML::Node& root, TokenBudgets& out) {
  if (!tokens.IsDefined() && !per_param.IsDefined()) {
    r.error(root, "tokens",
            "the grid needs token budgets: give tokens (counts such as 20M), "
            "tokens_per_param (ratios D/N such as 25) or both");
    return;
  }
  if (tokens.IsDefined()) {
    if (auto items = r.list(tokens, "tokens", /*scalar_ok=*/true)) {
      std::map<int64_t, size_t> seen;
      for (size_t i = 0; i < items->size(); ++i) {
        const std::string ip = tokens.IsSequence() ? index_path("tokens", i) : "tokens";
        const std::optional<int64_t> v = r.token_count((*items)[i], ip, 1, kMaxTokens);
        if (!v) continue;
        if (auto [it, inserted] = seen.emplace(*v, i); !inserted) {
          r.error((*items)[i], ip,
                  fmt::format("duplicate budget {} tokens (also tokens[{}])", with_commas(*v), it->second));
          continue;
        }
        out.counts.push_back(*v);
        out.count_locs.push_back(loc_of((*items)[i]));
      }
    }
  }
  if (per_param.IsDefined()) {
    if (auto items = r.list(per_param, "tokens_per_param", /*scalar_ok=*/true)) {
      std::map<double, size_t> seen;
      for (size_t i = 0; i < items->size(); ++i) {
        const std::string ip =
            per_param.IsSequence() ? index_path("tokens_per_param", i) : "tokens_per_param";
        const std::optional<double> v = r.real((*items)[i], ip, 0, kMaxTokensPerParam, /*lo_open=*/true);
        if (!v) continue;
        if (auto [it, inserted] = seen.emplace(*v, i); !inserted) {
          r.error((*items)[i], ip,
                  fmt::format("duplicate ratio {} (also tokens_per_param[{}])", number_text(*v), it->second));
          continue;
        }
        out.per_param.push_back(*v);
        out.per_param_locs.push_back(loc_of((*items)[i]));
      }
    }
  }
}

void parse_seeds(YamlReader& r, const YAML::Node& node, std::vector<uint64_t>& out) {
  if (!node.IsDefined()) return;  // default {0}
  out.clear();
  const std::optional<std::vector<YAML::Node>> items = r.list(node, "seeds", /*scalar_ok=*/true);
  if (!items) return;
  std::map<int64_t, size_t> seen;
  for (size_t i = 0; i < items->size(); ++i) {
    const std::string ip = node.IsSequence() ? index_path("seeds", i) : "seeds";
    const std::optional<int64_t> v = r.integer((*items)[i], ip, 0, INT64_MAX);
    if (!v) continue;
    if (auto [it, inserted] = seen.emplace(*v, i); !inserted) {
      r.error((*items)[i], ip, fmt::format("duplicate seed {} (also seeds[{}])", *v, it->second));
      continue;
    }
    out.push_back(static_cast<uint64_t>(*v));
  }
}

}  // namespace lps::config::detail
