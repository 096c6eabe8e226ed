// ModelConfig: the shape and initialisation of the Llama-2-style decoder (DESIGN.md §4), built from
// explicit fields, plus the precision scheme its block linears run under. No torch in this header.
#pragma once

#include <lps/quant/scheme.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lps::model {

struct ModelConfig {
  int n_layers = 2;              // decoder blocks L
  int d_model = 64;              // residual width d
  int n_heads = 2;               // attention heads
  int head_dim = 32;             // per head; n_heads·head_dim is the attention width
  int d_ff = 0;                  // SwiGLU hidden width; 0 = default_d_ff(d_model)
  int vocab_size = 256;          // from the data source
  int max_seq_len = 512;         // longest sequence (RoPE table length)
  double rope_theta = 1e4;       // RoPE base θ
  double norm_eps = 1e-5;        // RMSNorm ε
  double init_std = 0.02;        // N(0, init_std²) for every matrix; residual outputs ÷ √(2L)
  quant::Scheme scheme{};        // the precision scheme of every block linear (lib/ops)
  uint64_t tensor_id_base = 0;   // first tensor id of the block linears (4 per layer, see transformer.h)

  // d_ff with the default filled in.
  [[nodiscard]] int ffn_dim() const;
  // Throws lps::Error(kUserInput) listing every bad field.
  void validate() const;
};

// 256·⌈⌊8d/3⌋/256⌉ (DESIGN.md §4).
[[nodiscard]] int default_d_ff(int d_model);

// Preset shapes: the paper's "30M" … "800M" (head_dim 128) and our tiny ones ("tiny", "tiny2", "nano"
// for CPU tests and quick GPU sweeps). vocab_size and max_seq_len keep their defaults; set them after.
[[nodiscard]] std::optional<ModelConfig> preset_config(std::string_view name);
[[nodiscard]] const std::array<std::string_view, 9>& preset_config_names();

// N by formula (non-embedding parameters including norm weights); transformer.h counts real modules.
[[nodiscard]] int64_t formula_non_embedding_params(const ModelConfig& config);

}  // namespace lps::model
