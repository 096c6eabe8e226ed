// ops::linear: the baseline is at::linear (autocast-aware: under autocast it runs in BF16); every other
// scheme goes through QuantLinear (quant_linear.h), which quantizes the six GEMM operands per the scheme.
#include <lps/ops/linear.h>

#include <torch/torch.h>

#include <atomic>

namespace lps::ops {
namespace {

std::atomic<uint64_t> g_seed{0};
std::atomic<int64_t> g_step{0};

}  // namespace

void set_quant_step(uint64_t seed, int64_t step) {
  g_seed.store(seed, std::memory_order_relaxed);
  g_step.store(step, std::memory_order_relaxed);
}

uint64_t quant_seed() { return g_seed.load(std::memory_order_relaxed); }
int64_t quant_step() { return g_step.load(std::memory_order_relaxed); }

at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const quant::Scheme& scheme, uint64_t tensor_id) {
  TORCH_CHECK(w.dim() == 2, "ops::linear: W must be [out, in], got ", w.sizes());
  TORCH_CHECK(x.dim() >= 1 && x.size(-1) == w.size(1), "ops::linear: X [..., in] = ", x.sizes(),
              " does not match W [out, in] = ", w.sizes());
  if (scheme.is_baseline()) return at::linear(x, w);
  TORCH_CHECK(false, "ops::linear: scheme '", scheme.name, "' is quantized; QuantLinear is not built yet");
}

}  // namespace lps::ops
