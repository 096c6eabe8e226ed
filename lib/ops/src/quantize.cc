// quantize_dequantize dispatch: CPU -> quant::quantize_ref (bit-exact reference); CUDA -> the kernels'
// cuda_quantize_dequantize when compiled and it covers the case, else the torch-ops emulation in
// quantize_emulated.cc (same rules; counted as a fallback).
#include <lps/ops/quantize.h>
#include <lps/quant/counter_rng.h>
#include <lps/quant/hadamard.h>
#include <lps/quant/quantizer.h>
#include <torch/torch.h>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "quantize_internal.h"

namespace lps::ops {
namespace {

std::atomic<int64_t> g_cuda_kernel{0};
std::atomic<int64_t> g_cuda_fallback{0};
std::atomic<int64_t> g_cpu_reference{0};

FakeQuant quantize_cpu(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim, const QuantKeys& keys,
                       bool want_mask) {
  // Keep the layout (a transposed view stays transposed): the reference reads through strides.
  const at::Tensor xf = x.to(at::kFloat);
  const int64_t other = 1 - dim;
  quant::StridedMatrix view{xf.data_ptr<float>(), xf.size(other), xf.size(dim), xf.stride(other),
                            xf.stride(dim)};
  quant::QuantizeOptions o;
  o.quant = q;
  o.sr_key = keys.sr;
  o.sign_key = keys.signs;
  o.want_mask = want_mask;
  const quant::QuantizedMatrix qm = quant::quantize_ref(view, o);
  at::Tensor values = at::empty({view.rows, view.k}, xf.options());  // [rows, K] row-major
  quant::dequantize_ref(qm, values.data_ptr<float>(), false);
  FakeQuant out;
  out.factor = qm.factor;
  out.values = dim == 1 ? values : values.t();
  if (want_mask) {
    at::Tensor m = at::empty({view.rows, view.k}, xf.options().dtype(at::kByte));
    std::memcpy(m.data_ptr<uint8_t>(), qm.mask.data(), qm.mask.size());
    out.mask = dim == 1 ? m : m.t();
  }
  return out;
}

}  // namespace

FakeQuant quantize_dequantize(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim,
                              const QuantKeys& keys, bool want_mask) {
  TORCH_CHECK(x.dim() == 2, "quantize_dequantize: expected a 2-D operand, got ", x.sizes());
  TORCH_CHECK(dim == 0 || dim == 1, "quantize_dequantize: dim must be 0 or 1, got ", dim);
  const auto problems = quant::operand_problems(q);
  TORCH_CHECK(problems.empty(), "quantize_dequantize: ", problems.empty() ? "" : problems.front());
  TORCH_CHECK(!q.is_identity(), "quantize_dequantize: a bf16 operand is not quantized");
  TORCH_CHECK(x.size(dim) % quant::k_multiple(q) == 0, "quantize_dequantize: K = ", x.size(dim),
              " must be a multiple of ", quant::k_multiple(q), " (pad first)");
  if (x.device().is_cpu()) {
    g_cpu_reference.fetch_add(1, std::memory_order_relaxed);
    return quantize_cpu(x, q, dim, keys, want_mask);
  }
#if LPS_OPS_CUDA_QUANTIZE
  if (auto r = cuda_quantize_dequantize(x, q, dim, keys, want_mask)) {
    g_cuda_kernel.fetch_add(1, std::memory_order_relaxed);
    return *std::move(r);
  }
#endif
  g_cuda_fallback.fetch_add(1, std::memory_order_relaxed);
  return detail::quantize_emulated(x, q, dim, keys, want_mask);
}

FakeQuant quantize_dequantize_torch(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim,
                                    const QuantKeys& keys, bool want_mask) {
  TORCH_CHECK(x.dim() == 2 && (dim == 0 || dim == 1),
              "quantize_dequantize_torch: expected a 2-D operand and dim 0|1");
  return detail::quantize_emulated(x, q, dim, keys, want_mask);
}

at::Tensor rotate(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim, const QuantKeys& keys) {
  return detail::rotate_along(x, q, dim, keys.signs, false);
}

at::Tensor unrotate(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim, const QuantKeys& keys) {
  return detail::rotate_along(x, q, dim, keys.signs, true);
}

QuantDispatchStats quant_dispatch_stats() {
  return {g_cuda_kernel.load(), g_cuda_fallback.load(), g_cpu_reference.load()};
}

void reset_quant_dispatch_stats() {
  g_cuda_kernel = 0;
  g_cuda_fallback = 0;
  g_cpu_reference = 0;
}

namespace detail {

at::Tensor hadamard_matrix(int n, const at::TensorOptions& options) {
  // Built once per (size, device) and cached: the rotation runs on every quantized GEMM.
  static std::mutex mu;
  static std::map<std::pair<int, std::string>, at::Tensor> cache;
  const auto key = std::make_pair(n, options.device().str());
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  at::Tensor h = at::zeros({n, n}, at::kFloat);
  auto acc = h.accessor<float, 2>();
  std::vector<float> col(static_cast<size_t>(n));
  for (int j = 0; j < n; ++j) {
    std::fill(col.begin(), col.end(), 0.0f);
    col[static_cast<size_t>(j)] = 1.0f;
    quant::hadamard_forward(col.data(), n, nullptr);
    for (int i = 0; i < n; ++i) acc[i][j] = col[static_cast<size_t>(i)];
  }
  h = h.to(options.dtype(at::kFloat));
  cache.emplace(key, h);
  return h;
}

at::Tensor sign_vector(int64_t k, uint64_t key, const at::TensorOptions& options) {
  // random_sign(key, j) = (hash32(key, j) >> 31) ? -1 : +1, computed on the tensor's device.
  const at::Tensor bits =
      at::bitwise_right_shift(hash32_tensor(at::arange(k, options.dtype(at::kLong)), key), 31);
  return 1.0f - 2.0f * bits.to(at::kFloat);
}

at::Tensor rotate_along(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim, uint64_t sign_key,
                        bool inverse) {
  if (q.hadamard == 0) return x;
  const int n = q.hadamard;
  at::Tensor v = (dim == x.dim() - 1 ? x : x.transpose(dim, -1)).to(at::kFloat);
  const int64_t k = v.size(-1);
  TORCH_CHECK(k % n == 0, "rotate: K = ", k, " is not a multiple of the Hadamard block ", n);
  const auto opts = v.options();
  const at::Tensor h = hadamard_matrix(n, opts);  // symmetric
  at::Tensor signs = q.random_signs ? sign_vector(k, sign_key, opts) : at::Tensor();
  if (!inverse && signs.defined()) v = v * signs;
  auto shape = v.sizes().vec();
  shape.back() = k / n;
  shape.push_back(n);
  v = at::matmul(v.reshape(shape), h).reshape(v.sizes());
  if (inverse && signs.defined()) v = v * signs;
  return dim == x.dim() - 1 ? v : v.transpose(dim, -1);
}

}  // namespace detail
}  // namespace lps::ops
