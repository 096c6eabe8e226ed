// The process-wide switch of the fused model kernels (fused.h).
#include <lps/ops/device.h>
#include <lps/ops/fused.h>

#include <atomic>
#include <cstdlib>
#include <string_view>

namespace lps::ops {
namespace {

constexpr int kUnread = -1;
std::atomic<int> g_enabled{kUnread};

bool enabled_by_environment() {
  const char* value = std::getenv("LPS_FUSED_KERNELS");
  if (value == nullptr) return true;
  const std::string_view v(value);
  return !(v == "0" || v == "off" || v == "false" || v == "OFF" || v == "FALSE");
}

}  // namespace

bool fused_kernels_enabled() {
  if (!kernels_compiled()) return false;
  int state = g_enabled.load(std::memory_order_relaxed);
  if (state == kUnread) {
    state = enabled_by_environment() ? 1 : 0;
    g_enabled.store(state, std::memory_order_relaxed);
  }
  return state == 1;
}

void set_fused_kernels_enabled(bool enabled) { g_enabled.store(enabled ? 1 : 0, std::memory_order_relaxed); }

bool use_fused_kernels(const at::Tensor& t) { return t.defined() && t.is_cuda() && fused_kernels_enabled(); }

}  // namespace lps::ops
