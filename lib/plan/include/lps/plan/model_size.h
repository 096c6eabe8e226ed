// Model sizes: the preset shapes (paper and tiny) and N, the parameter count the scaling law uses.
#pragma once

#include <lps/config/model_presets.h>
#include <lps/plan/run_spec.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace lps::plan {

// The preset table (defined in lib/config, which resolves preset names while validating).
using config::model_presets;
using config::ModelPreset;

// The shape of preset `name` (d_ff from the SwiGLU rule, the preset's sequence length), vocab_size 0;
// nullopt when there is no such preset.
[[nodiscard]] std::optional<ModelShape> preset_shape(std::string_view name);

// N: non-embedding parameters including norm weights —
// per layer 4·d·(heads·head_dim) (q, k, v, o) + 3·d·d_ff (SwiGLU) + 2·d (two RMSNorms), plus the final norm
// d. The 30M preset gives 30,482,560.
[[nodiscard]] int64_t count_non_embedding_params(const ModelShape& shape);

}  // namespace lps::plan
