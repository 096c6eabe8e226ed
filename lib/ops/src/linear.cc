// ops::linear: the baseline is at::linear (autocast-aware: under autocast it runs in BF16); every other
// scheme goes through QuantLinear (quant_linear.h), which quantizes the six GEMM operands per the scheme.
#include <ATen/autocast_mode.h>
#include <lps/ops/linear.h>
#include <lps/ops/quant_linear.h>
#include <torch/torch.h>

#include <atomic>
#include <mutex>
#include <unordered_map>

namespace lps::ops {
namespace {

std::atomic<uint64_t> g_seed{0};
std::atomic<int64_t> g_step{0};
// Calls of each layer since set_quant_step: a layer called twice in a step (micro-batches, activation
// recomputation) draws a fresh stream each time, deterministically as long as the call order is.
std::mutex g_calls_mu;
std::unordered_map<uint64_t, uint64_t> g_calls;

uint64_t next_call(uint64_t tensor_id) {
  std::lock_guard<std::mutex> lock(g_calls_mu);
  return g_calls[tensor_id]++;
}

}  // namespace

void set_quant_step(uint64_t seed, int64_t step) {
  g_seed.store(seed, std::memory_order_relaxed);
  g_step.store(step, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(g_calls_mu);
  g_calls.clear();
}

uint64_t quant_seed() {
  return g_seed.load(std::memory_order_relaxed);
}
int64_t quant_step() {
  return g_step.load(std::memory_order_relaxed);
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const quant::Scheme& scheme, uint64_t tensor_id) {
  TORCH_CHECK(w.dim() == 2, "ops::linear: W must be [out, in], got ", w.sizes());
  TORCH_CHECK(x.dim() >= 1 && x.size(-1) == w.size(1), "ops::linear: X [..., in] = ", x.sizes(),
              " does not match W [out, in] = ", w.sizes());
  if (scheme.is_baseline()) return at::linear(x, w);
  const auto device = x.device().type();
  at::ScalarType out_dtype = x.scalar_type();
  if (at::autocast::is_autocast_enabled(device)) out_dtype = at::autocast::get_autocast_dtype(device);
  QuantCallKeys keys;
  keys.seed = quant_seed();
  keys.step = quant_step();
  keys.tensor_id = tensor_id;
  keys.call = next_call(tensor_id);
  auto out_shape = x.sizes().vec();
  out_shape.back() = w.size(0);
  const at::Tensor y = quant_linear(x.reshape({-1, x.size(-1)}), w, scheme, keys);
  return y.reshape(out_shape).to(out_dtype);
}

}  // namespace lps::ops
