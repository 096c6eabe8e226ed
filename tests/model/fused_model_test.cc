// The model with the fused kernels (lib/ops/fused.h) on vs off: on the CPU nothing changes (CI); on the GPU
// the loss and every parameter's gradient agree with the ATen path (FP32, and BF16 autocast as the trainer
// runs it), and the fused autograd functions are really in the graph when the switch is on.
#include <lps/model/transformer.h>
#include <lps/ops/device.h>
#include <lps/ops/fused.h>

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>
#include <string>
#include <vector>

namespace lps::model {
namespace {

// Restores the process-wide switch when a test ends.
class FusedSwitch {
 public:
  FusedSwitch() : saved_(ops::fused_kernels_enabled()) {}
  ~FusedSwitch() { ops::set_fused_kernels_enabled(saved_); }
  FusedSwitch(const FusedSwitch&) = delete;
  FusedSwitch& operator=(const FusedSwitch&) = delete;

 private:
  bool saved_;
};

// BF16 autocast on CUDA for a scope (as lib/train's AutocastGuard).
class Bf16Autocast {
 public:
  Bf16Autocast() {
    at::autocast::set_autocast_enabled(at::kCUDA, true);
    at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
    at::autocast::increment_nesting();
  }
  ~Bf16Autocast() {
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_autocast_enabled(at::kCUDA, false);
  }
  Bf16Autocast(const Bf16Autocast&) = delete;
  Bf16Autocast& operator=(const Bf16Autocast&) = delete;
};

ModelConfig test_config() {
  auto config = *preset_config("tiny2");  // 4 layers, d 128, 4 heads of 32
  config.vocab_size = 512;
  config.max_seq_len = 64;
  config.init_std = 0.1;  // larger than the paper's 0.02, so attention and the loss depend on every op
  return config;
}

struct LossAndGrads {
  torch::Tensor loss;
  std::vector<std::pair<std::string, torch::Tensor>> grads;
  std::set<std::string> nodes;  // autograd node names reachable from the loss
};

void collect_nodes(const std::shared_ptr<torch::autograd::Node>& node, std::set<std::string>& names,
                   std::set<const torch::autograd::Node*>& seen) {
  if (!node || !seen.insert(node.get()).second) return;
  names.insert(node->name());
  for (const auto& edge : node->next_edges()) collect_nodes(edge.function, names, seen);
}

LossAndGrads run(Transformer& model, const torch::Tensor& tokens, bool fused, bool autocast) {
  ops::set_fused_kernels_enabled(fused);
  model->zero_grad();
  const int64_t T = tokens.size(1) - 1;
  LossAndGrads out;
  {
    std::unique_ptr<Bf16Autocast> guard;
    if (autocast) guard = std::make_unique<Bf16Autocast>();
    out.loss = model->loss(tokens.narrow(1, 0, T), tokens.narrow(1, 1, T));
  }
  std::set<const torch::autograd::Node*> seen;
  collect_nodes(out.loss.grad_fn(), out.nodes, seen);
  out.loss.backward();
  for (const auto& p : model->named_parameters()) out.grads.emplace_back(p.key(), p.value().grad().clone());
  return out;
}

bool has_node(const std::set<std::string>& names, const std::string& part) {
  for (const auto& n : names)
    if (n.find(part) != std::string::npos) return true;
  return false;
}

// Loss relative difference ≤ loss_tol; every parameter's ‖g_on − g_off‖ ≤ grad_tol·‖g_off‖.
void expect_close(const LossAndGrads& on, const LossAndGrads& off, double loss_tol, double grad_tol) {
  const double a = on.loss.item<double>(), b = off.loss.item<double>();
  EXPECT_NEAR(a, b, loss_tol * std::fabs(b)) << "loss: fused " << a << ", ATen " << b;
  ASSERT_EQ(on.grads.size(), off.grads.size());
  for (size_t i = 0; i < on.grads.size(); ++i) {
    const auto& [name, g_on] = on.grads[i];
    const auto& g_off = off.grads[i].second;
    const double diff = (g_on.to(torch::kFloat64) - g_off.to(torch::kFloat64)).norm().item<double>();
    const double ref = g_off.to(torch::kFloat64).norm().item<double>();
    EXPECT_LE(diff, grad_tol * ref) << name << ": ‖Δgrad‖ " << diff << ", ‖grad‖ " << ref;
  }
}

torch::Tensor random_tokens(int64_t B, int64_t T, int64_t vocab, torch::Device device) {
  torch::manual_seed(11);
  return torch::randint(0, vocab, {B, T + 1}, torch::kInt64).to(device);
}

TEST(FusedModel, CpuLossAndGradientsAreTheSameWithTheSwitchOnOrOff) {
  FusedSwitch restore;
  torch::manual_seed(1);
  Transformer model(test_config(), torch::kCPU);
  const auto tokens = random_tokens(2, 16, 512, torch::kCPU);
  const auto on = run(model, tokens, /*fused=*/true, /*autocast=*/false);
  const auto off = run(model, tokens, /*fused=*/false, /*autocast=*/false);
  EXPECT_TRUE(torch::equal(on.loss, off.loss));
  for (size_t i = 0; i < on.grads.size(); ++i)
    EXPECT_TRUE(torch::equal(on.grads[i].second, off.grads[i].second)) << on.grads[i].first;
  EXPECT_FALSE(has_node(on.nodes, "CrossEntropyRows")) << "the CPU must keep the ATen path";
}

TEST(FusedModelGpu, TheFusedFunctionsAreInTheGraphOnlyWhenSwitchedOn) {
  if (!ops::cuda_available()) GTEST_SKIP() << "no CUDA device visible (or built without nvcc): fused model test skipped";
  FusedSwitch restore;
  torch::manual_seed(1);
  Transformer model(test_config(), torch::Device(torch::kCUDA));
  const auto tokens = random_tokens(2, 32, 512, torch::Device(torch::kCUDA));
  const auto on = run(model, tokens, true, true);
  const auto off = run(model, tokens, false, true);
  for (const char* fn : {"CrossEntropyRows", "RmsNormFn", "SwigluFn", "RopeQkvFn"}) {
    EXPECT_TRUE(has_node(on.nodes, fn)) << fn << " missing from the fused graph";
    EXPECT_FALSE(has_node(off.nodes, fn)) << fn << " present with the switch off";
  }
}

TEST(FusedModelGpu, LossAndGradientsMatchTheAtenPathInFp32) {
  if (!ops::cuda_available()) GTEST_SKIP() << "no CUDA device visible (or built without nvcc): fused model test skipped";
  FusedSwitch restore;
  torch::manual_seed(1);
  Transformer model(test_config(), torch::Device(torch::kCUDA));
  const auto tokens = random_tokens(4, 64, 512, torch::Device(torch::kCUDA));
  // FP32 throughout: the kernels differ from ATen only in summation order and FMA use (ulps).
  expect_close(run(model, tokens, true, false), run(model, tokens, false, false), 1e-5, 1e-4);
}

TEST(FusedModelGpu, LossAndGradientsMatchTheAtenPathUnderBf16Autocast) {
  if (!ops::cuda_available()) GTEST_SKIP() << "no CUDA device visible (or built without nvcc): fused model test skipped";
  FusedSwitch restore;
  torch::manual_seed(1);
  Transformer model(test_config(), torch::Device(torch::kCUDA));
  const auto tokens = random_tokens(4, 64, 512, torch::Device(torch::kCUDA));
  // BF16: ATen's RoPE and SwiGLU round each intermediate to BF16 (cos/sin too), the fused kernels round once
  // from FP32, so activations differ by about one BF16 step (2^-8) here and there: loss within 2e-3 relative,
  // each parameter's gradient within 3e-2 in relative L2 norm (an indexing bug gives O(1)).
  expect_close(run(model, tokens, true, true), run(model, tokens, false, true), 2e-3, 3e-2);
}

}  // namespace
}  // namespace lps::model
