// The Llama-2-style decoder (DESIGN.md §4): token embedding → L × [RMSNorm → causal attention with RoPE →
// residual; RMSNorm → SwiGLU → residual] → RMSNorm → untied LM head. No biases. Every block linear goes
// through lps::ops::linear under the config's scheme; embeddings, norms, attention matmuls (SDPA: the flash
// path on GPU), the head and the loss stay in high precision (or BF16 autocast for the baseline).
//
// Parameters (state-dict names, shapes; the Python reference in analysis/reference uses the same):
//   embed                 [V, d]
//   layers.i.attn_norm    [d]
//   layers.i.wqkv         [3·H·hd, d]    rows: q heads, then k heads, then v heads   (tensor id base+4i)
//   layers.i.wo           [d, H·hd]                                                  (tensor id base+4i+1)
//   layers.i.mlp_norm     [d]
//   layers.i.w13          [2·d_ff, d]    rows: gate (SiLU) then up                   (tensor id base+4i+2)
//   layers.i.w2           [d, d_ff]                                                  (tensor id base+4i+3)
//   norm                  [d]
//   head                  [V, d]
// RoPE rotates the two halves of each head (x1, x2) ↦ (x1·cos − x2·sin, x2·cos + x1·sin), frequencies
// θ^(−2j/hd), j < hd/2. Init: N(0, 0.02²) for embed, head and block matrices; wo and w2 N(0, (0.02/√(2L))²);
// norm weights 1.
#pragma once

#include <lps/model/model_config.h>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <vector>

namespace lps::model {

class BlockImpl : public torch::nn::Module {
 public:
  BlockImpl(const ModelConfig& config, int layer, torch::Device device);
  // x [B, T, d], cos/sin [T, hd/2] -> [B, T, d]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

  torch::Tensor attn_norm, wqkv, wo, mlp_norm, w13, w2;

 private:
  ModelConfig config_;
  uint64_t first_tensor_id_;
};
TORCH_MODULE(Block);

class TransformerImpl : public torch::nn::Module {
 public:
  // Parameters are created on `device` (torch::kMeta counts parameters without allocating) and
  // initialised from torch's default generator: seed it (torch::manual_seed) for a reproducible init.
  explicit TransformerImpl(ModelConfig config, torch::Device device = torch::kCPU);

  // tokens [B, T] (int64) -> logits [B, T, V]
  torch::Tensor forward(const torch::Tensor& tokens);
  // Mean next-token cross-entropy (nats, FP32) of logits(inputs) against targets, both [B, T].
  torch::Tensor loss(const torch::Tensor& inputs, const torch::Tensor& targets);

  [[nodiscard]] const ModelConfig& config() const { return config_; }
  // N: parameters other than embed and head (norm weights included), counted from the modules.
  [[nodiscard]] int64_t non_embedding_params() const;
  // Parameters that get weight decay (block matrices) and those that do not (norms, embed, head).
  [[nodiscard]] std::vector<torch::Tensor> decay_params() const;
  [[nodiscard]] std::vector<torch::Tensor> no_decay_params() const;
  // Forward FLOPs per token for MFU: 2·(N_matmul + V·d) + attention 2·2·L·T·H·hd (causal ÷ 2 not applied).
  [[nodiscard]] double forward_flops_per_token(int64_t seq_len) const;

  torch::Tensor embed, norm, head;
  torch::nn::ModuleList layers{nullptr};

 private:
  void reset_rope(torch::Device device);
  ModelConfig config_;
  torch::Tensor rope_cos_, rope_sin_;  // [max_seq_len, hd/2], FP32 buffers (not parameters)
};
TORCH_MODULE(Transformer);

// N of a config, counted by building the model on the meta device (no memory, any size).
[[nodiscard]] int64_t count_non_embedding_params(const ModelConfig& config);

}  // namespace lps::model
