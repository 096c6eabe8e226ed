// Model presets, the d_ff rule and validation.
#include <lps/model/model_config.h>

#include <lps/core/diagnostic.h>

#include <fmt/format.h>

namespace lps::model {
namespace {

struct PresetShape {
  std::string_view name;
  int n_layers, d_model, n_heads, head_dim;
};

// Paper presets (DESIGN.md §4) and tiny presets of ours.
constexpr std::array<PresetShape, 9> kPresets{{
    {"nano", 2, 32, 2, 16},
    {"tiny", 2, 64, 2, 32},
    {"tiny2", 4, 128, 4, 32},
    {"30M", 6, 640, 5, 128},
    {"50M", 7, 768, 6, 128},
    {"100M", 8, 1024, 8, 128},
    {"200M", 10, 1280, 10, 128},
    {"430M", 13, 1664, 13, 128},
    {"800M", 16, 2048, 16, 128},
}};

}  // namespace

int default_d_ff(int d_model) {
  const int hidden = 8 * d_model / 3;
  return 256 * ((hidden + 255) / 256);
}

int ModelConfig::ffn_dim() const { return d_ff > 0 ? d_ff : default_d_ff(d_model); }

void ModelConfig::validate() const {
  DiagnosticList problems;
  auto bad = [&](const char* key, std::string message) {
    problems.add({"<model>", 0, 0, std::string("model.") + key, std::move(message)});
  };
  if (n_layers < 1) bad("n_layers", fmt::format("must be at least 1, got {}", n_layers));
  if (d_model < 1) bad("d_model", fmt::format("must be at least 1, got {}", d_model));
  if (n_heads < 1) bad("n_heads", fmt::format("must be at least 1, got {}", n_heads));
  if (head_dim < 2 || head_dim % 2 != 0) bad("head_dim", fmt::format("must be even and ≥ 2 (RoPE), got {}", head_dim));
  if (d_ff < 0) bad("d_ff", fmt::format("must be ≥ 0 (0 = default), got {}", d_ff));
  if (vocab_size < 2) bad("vocab_size", fmt::format("must be at least 2, got {}", vocab_size));
  if (max_seq_len < 1) bad("seq_len", fmt::format("must be at least 1, got {}", max_seq_len));
  if (!(init_std > 0)) bad("init_std", fmt::format("must be positive, got {}", init_std));
  problems.throw_if_any();
}

std::optional<ModelConfig> preset_config(std::string_view name) {
  for (const PresetShape& p : kPresets) {
    if (p.name == name) {
      ModelConfig c;
      c.n_layers = p.n_layers;
      c.d_model = p.d_model;
      c.n_heads = p.n_heads;
      c.head_dim = p.head_dim;
      return c;
    }
  }
  return std::nullopt;
}

const std::array<std::string_view, 9>& preset_config_names() {
  static const std::array<std::string_view, 9> names = [] {
    std::array<std::string_view, 9> n{};
    for (size_t i = 0; i < kPresets.size(); ++i) n[i] = kPresets[i].name;
    return n;
  }();
  return names;
}

int64_t formula_non_embedding_params(const ModelConfig& c) {
  const int64_t d = c.d_model, attn = static_cast<int64_t>(c.n_heads) * c.head_dim, ff = c.ffn_dim();
  const int64_t per_layer = 3 * d * attn + attn * d + 3 * d * ff + 2 * d;
  return c.n_layers * per_layer + d;
}

}  // namespace lps::model
