#include <lps/plan/model_size.h>

namespace lps::plan {

std::optional<ModelShape> preset_shape(std::string_view name) {
  const std::optional<ModelPreset> p = config::find_model_preset(name);
  if (!p) return std::nullopt;
  ModelShape shape;
  shape.preset = std::string(p->name);
  shape.n_layers = p->n_layers;
  shape.d_model = p->d_model;
  shape.n_heads = p->n_heads;
  shape.head_dim = p->head_dim;
  shape.d_ff = config::default_d_ff(p->d_model);
  shape.seq_len = p->seq_len;
  return shape;
}

int64_t count_non_embedding_params(const ModelShape& shape) {
  const int64_t d = shape.d_model;
  const int64_t attention = static_cast<int64_t>(shape.n_heads) * shape.head_dim;
  const int64_t per_layer = 4 * d * attention + 3 * d * shape.d_ff + 2 * d;
  return shape.n_layers * per_layer + d;
}

}  // namespace lps::plan
