// The model presets users name in `models:` — the paper's sizes (DESIGN.md §4) and our tiny CPU sizes.
//
// The table lives in lib/config (not lib/plan) because config resolves preset names while validating,
// and config may not depend on plan. lps::plan re-exports it as plan::model_presets().
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace lps::config {

struct ModelPreset {
  std::string_view name;
  int n_layers = 0;
  int d_model = 0;
  int n_heads = 0;
  int head_dim = 0;
  int seq_len = 0;  // default sequence length for this size
  double lr = 0;    // paper learning rate (ours for the tiny sizes)
};

// Paper sizes 30M, 50M, 100M, 200M, 430M, 800M, then tiny-xs, tiny-s, tiny-m, tiny-l.
[[nodiscard]] std::span<const ModelPreset> model_presets();
[[nodiscard]] std::optional<ModelPreset> find_model_preset(std::string_view name);

// d_ff = 256·⌈⌊8d/3⌋/256⌉ (SwiGLU width rounded up to a multiple of 256).
[[nodiscard]] int default_d_ff(int d_model);

}  // namespace lps::config
