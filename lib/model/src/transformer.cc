// The decoder: blocks, RoPE, SDPA attention, SwiGLU, and parameter bookkeeping. On CUDA (unless
// ops::fused_kernels_enabled() is off) RMSNorm, RoPE, SwiGLU and the loss run as our fused kernels
// (lib/ops/fused.h); on the CPU, and with the switch off, the ATen ops below them run instead.
#include <lps/model/transformer.h>

#include <lps/ops/fused.h>
#include <lps/ops/linear.h>

#include <ATen/autocast_mode.h>

#include <torch/torch.h>

#include <cmath>

namespace lps::model {
namespace {

// x [B, H, T, hd], cos/sin [T, hd/2] (any float dtype; cast to x's).
torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  const auto c = cos.to(x.scalar_type());
  const auto s = sin.to(x.scalar_type());
  const auto x1 = x.narrow(-1, 0, half);
  const auto x2 = x.narrow(-1, half, half);
  return torch::cat({x1 * c - x2 * s, x2 * c + x1 * s}, -1);
}

// The fused kernels read and write FP32 or BF16.
bool fusable(const torch::Tensor& t) {
  return ops::use_fused_kernels(t) && (t.scalar_type() == torch::kFloat32 || t.scalar_type() == torch::kBFloat16);
}

// RMSNorm over the last dimension. `consumer_casts`: the output feeds an autocast linear (the baseline scheme's
// at::linear, the head), which would round it to BF16 first — so the fused kernel stores BF16 directly (the same
// values: the FP32 result rounded once) and saves the separate cast and its FP32 tensor.
torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps, bool consumer_casts) {
  if (!fusable(x) || weight.scalar_type() != torch::kFloat32) return at::rms_norm(x, {x.size(-1)}, weight, eps);
  at::ScalarType out = x.scalar_type();
  if (consumer_casts && at::autocast::is_autocast_enabled(at::kCUDA) &&
      at::autocast::get_autocast_dtype(at::kCUDA) == at::kBFloat16)
    out = at::kBFloat16;
  return ops::fused_rms_norm(x, weight, eps, out);
}

torch::Tensor normal_param(torch::nn::Module& m, const std::string& name, std::vector<int64_t> shape, double std,
                           torch::Device device) {
  auto t = torch::empty(shape, torch::TensorOptions().dtype(torch::kFloat32).device(device));
  {
    torch::NoGradGuard guard;
    t.normal_(0.0, std);
  }
  return m.register_parameter(name, t);
}

torch::Tensor ones_param(torch::nn::Module& m, const std::string& name, int64_t n, torch::Device device) {
  return m.register_parameter(name, torch::ones({n}, torch::TensorOptions().dtype(torch::kFloat32).device(device)));
}

}  // namespace

BlockImpl::BlockImpl(const ModelConfig& config, int layer, torch::Device device)
    : config_(config), first_tensor_id_(config.tensor_id_base + 4 * static_cast<uint64_t>(layer)) {
  const int64_t d = config.d_model, attn = static_cast<int64_t>(config.n_heads) * config.head_dim,
                ff = config.ffn_dim();
  const double residual_std = config.init_std / std::sqrt(2.0 * config.n_layers);
  attn_norm = ones_param(*this, "attn_norm", d, device);
  wqkv = normal_param(*this, "wqkv", {3 * attn, d}, config.init_std, device);
  wo = normal_param(*this, "wo", {d, attn}, residual_std, device);
  mlp_norm = ones_param(*this, "mlp_norm", d, device);
  w13 = normal_param(*this, "w13", {2 * ff, d}, config.init_std, device);
  w2 = normal_param(*this, "w2", {d, ff}, residual_std, device);
}

torch::Tensor BlockImpl::forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  const int64_t B = x.size(0), T = x.size(1), H = config_.n_heads, hd = config_.head_dim;
  const auto& scheme = config_.scheme;
  // Attention.
  auto h = rms_norm(x, attn_norm, config_.norm_eps, scheme.is_baseline());
  auto qkv = ops::linear(h, wqkv, scheme, first_tensor_id_).view({B, T, 3, H, hd});  // [B, T, 3, H, hd]
  torch::Tensor q, k, v;                                                               // [B, H, T, hd]
  if (fusable(qkv)) {
    const auto rotated = ops::fused_rope_qkv(qkv, cos, sin);  // 3 × [B, T, H, hd]
    q = rotated[0].transpose(1, 2);
    k = rotated[1].transpose(1, 2);
    v = rotated[2].transpose(1, 2);
  } else {
    q = apply_rope(qkv.select(2, 0).transpose(1, 2), cos, sin);
    k = apply_rope(qkv.select(2, 1).transpose(1, 2), cos, sin);
    v = qkv.select(2, 2).transpose(1, 2);
  }
  auto y = at::scaled_dot_product_attention(q, k, v, /*attn_mask=*/{}, /*dropout_p=*/0.0, /*is_causal=*/true);
  y = y.transpose(1, 2).reshape({B, T, H * hd});                                        // [B, T, H·hd]
  auto out = x + ops::linear(y, wo, scheme, first_tensor_id_ + 1);
  // SwiGLU.
  h = rms_norm(out, mlp_norm, config_.norm_eps, scheme.is_baseline());
  auto gu = ops::linear(h, w13, scheme, first_tensor_id_ + 2);                          // [B, T, 2·d_ff]
  torch::Tensor act;                                                                    // [B, T, d_ff]
  if (fusable(gu)) {
    act = ops::fused_swiglu(gu);
  } else {
    const auto halves = gu.chunk(2, -1);
    act = torch::silu(halves[0]) * halves[1];
  }
  return out + ops::linear(act, w2, scheme, first_tensor_id_ + 3);
}

TransformerImpl::TransformerImpl(ModelConfig config, torch::Device device) : config_(std::move(config)) {
  config_.validate();
  const int64_t d = config_.d_model, V = config_.vocab_size;
  embed = normal_param(*this, "embed", {V, d}, config_.init_std, device);
  layers = register_module("layers", torch::nn::ModuleList());
  for (int i = 0; i < config_.n_layers; ++i) layers->push_back(Block(config_, i, device));
  norm = ones_param(*this, "norm", d, device);
  head = normal_param(*this, "head", {V, d}, config_.init_std, device);
  reset_rope(device);
}

void TransformerImpl::reset_rope(torch::Device device) {
  const int64_t half = config_.head_dim / 2;
  auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  auto j = torch::arange(half, opts);
  auto inv_freq = torch::pow(config_.rope_theta, -2.0 * j / static_cast<double>(config_.head_dim));  // [hd/2]
  auto t = torch::arange(config_.max_seq_len, opts);
  auto angles = torch::outer(t, inv_freq);                                                            // [S, hd/2]
  rope_cos_ = register_buffer("rope_cos", angles.cos().to(torch::kFloat32).to(device));
  rope_sin_ = register_buffer("rope_sin", angles.sin().to(torch::kFloat32).to(device));
}

torch::Tensor TransformerImpl::forward(const torch::Tensor& tokens) {
  TORCH_CHECK(tokens.dim() == 2, "Transformer: tokens must be [B, T], got ", tokens.sizes());
  const int64_t T = tokens.size(1);
  TORCH_CHECK(T <= config_.max_seq_len, "Transformer: sequence of ", T, " tokens exceeds max_seq_len ",
              config_.max_seq_len);
  auto x = at::embedding(embed, tokens);  // [B, T, d]
  auto cos = rope_cos_.narrow(0, 0, T), sin = rope_sin_.narrow(0, 0, T);
  for (const auto& layer : *layers) x = layer->as<BlockImpl>()->forward(x, cos, sin);
  x = rms_norm(x, norm, config_.norm_eps, /*consumer_casts=*/true);
  return at::linear(x, head);  // [B, T, V]
}

torch::Tensor TransformerImpl::loss(const torch::Tensor& inputs, const torch::Tensor& targets) {
  auto logits = forward(inputs);
  const auto flat = logits.reshape({-1, logits.size(-1)});  // [B·T, V]
  // Fused: the loss and its gradient straight from the BF16 logits (no FP32 copy of [B·T, V]).
  if (fusable(flat)) return ops::fused_cross_entropy(flat, targets.reshape({-1}));
  return torch::nn::functional::cross_entropy(flat.to(torch::kFloat32), targets.reshape({-1}));
}

int64_t TransformerImpl::non_embedding_params() const {
  int64_t n = 0;
  for (const auto& item : named_parameters()) {
    if (item.key() == "embed" || item.key() == "head") continue;
    n += item.value().numel();
  }
  return n;
}

std::vector<torch::Tensor> TransformerImpl::decay_params() const {
  std::vector<torch::Tensor> out;
  for (const auto& item : named_parameters()) {
    if (item.value().dim() >= 2 && item.key() != "embed" && item.key() != "head") out.push_back(item.value());
  }
  return out;
}

std::vector<torch::Tensor> TransformerImpl::no_decay_params() const {
  std::vector<torch::Tensor> out;
  for (const auto& item : named_parameters()) {
    if (item.value().dim() < 2 || item.key() == "embed" || item.key() == "head") out.push_back(item.value());
  }
  return out;
}

double TransformerImpl::forward_flops_per_token(int64_t seq_len) const {
  const double matmul_params = static_cast<double>(formula_non_embedding_params(config_) -
                                                   (2LL * config_.n_layers + 1) * config_.d_model);
  const double lm_head = static_cast<double>(config_.vocab_size) * config_.d_model;
  const double attention = 2.0 * 2.0 * config_.n_layers * static_cast<double>(seq_len) * config_.n_heads * config_.head_dim;
  return 2.0 * (matmul_params + lm_head) + attention;
}

int64_t count_non_embedding_params(const ModelConfig& config) {
  Transformer model(config, torch::Device(torch::kMeta));
  return model->non_embedding_params();
}

}  // namespace lps::model
