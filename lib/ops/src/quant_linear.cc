// QuantLinear's autograd function: three quantized GEMMs (see quant_linear.h for the algebra).
#include <lps/ops/quant_linear.h>
#include <lps/quant/counter_rng.h>
#include <lps/quant/quantizer.h>

#include "quantize_internal.h"

#if LPS_OPS_CUDA_GEMM
#include <lps/ops/cuda_gemm.h>
#endif

#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/torch.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <optional>

namespace lps::ops {
namespace {

using quant::Operand;
using quant::OperandQuant;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

std::atomic<int64_t> g_fp8{0};
std::atomic<int64_t> g_bf16{0};
std::atomic<int64_t> g_cpu{0};
std::atomic<int64_t> g_mxfp4{0};

// Schemes are few: intern them so the autograd context can carry an index.
std::mutex g_schemes_mu;
std::deque<quant::Scheme> g_schemes;

int64_t intern(const quant::Scheme& s) {
  std::lock_guard<std::mutex> lock(g_schemes_mu);
  for (size_t i = 0; i < g_schemes.size(); ++i)
    if (g_schemes[i] == s) return static_cast<int64_t>(i);
  g_schemes.push_back(s);
  return static_cast<int64_t>(g_schemes.size() - 1);
}

const quant::Scheme& scheme_at(int64_t i) {
  std::lock_guard<std::mutex> lock(g_schemes_mu);
  return g_schemes[static_cast<size_t>(i)];
}

[[maybe_unused]] bool is_fp8(const OperandQuant& q) {
  return q.format == quant::Format::kFp8E4M3 || q.format == quant::Format::kFp8E5M2;
}

// The rotation of a GEMM: that of its quantized operand(s) (validated equal by scheme_problems).
OperandQuant gemm_rotation(const OperandQuant& a, const OperandQuant& b) {
  OperandQuant r;
  const OperandQuant& src = a.is_identity() ? b : a;
  r.hadamard = src.hadamard;
  r.random_signs = src.random_signs;
  return r;
}

struct LinearOperand {
  at::Tensor src;     // 2-D
  int64_t k_dim = 1;  // the contracted dimension of src
  OperandQuant q;
  QuantKeys keys;
};

// The K padding of a GEMM: a multiple of both quantizers' blocks and the rotation.
int64_t padded_k(const LinearOperand& a, const LinearOperand& b, const OperandQuant& rot) {
  const int64_t k = a.src.size(a.k_dim);
  TORCH_CHECK(b.src.size(b.k_dim) == k, "QuantLinear: GEMM inner dimensions differ: ", a.src.sizes(), " vs ",
              b.src.sizes());
  const int64_t mult =
      std::max({int64_t{1}, static_cast<int64_t>(quant::k_multiple(a.q)),
                static_cast<int64_t>(quant::k_multiple(b.q)), static_cast<int64_t>(rot.hadamard)});
  return (k + mult - 1) / mult * mult;
}

at::Tensor pad_k(const at::Tensor& t, int64_t k_dim, int64_t k_padded) {
  const int64_t pad = k_padded - t.size(k_dim);
  if (pad == 0) return t;
  return k_dim == 1 ? at::constant_pad_nd(t, {0, pad}) : at::constant_pad_nd(t, {0, 0, 0, pad});
}

// The dequantised (rotated) operand a GEMM multiplies; an unquantized operand of a rotated GEMM is rotated.
FakeQuant prepare(const at::Tensor& t, int64_t k_dim, const OperandQuant& q, const OperandQuant& rot,
                  const QuantKeys& keys, bool want_mask) {
  if (!q.is_identity()) return quantize_dequantize(t, q, k_dim, keys, want_mask);
  FakeQuant f;
  f.values = rot.hadamard > 0 ? detail::rotate_along(t, rot, k_dim, keys.signs, false) : t;
  return f;
}

at::Tensor gemm_nt(const at::Tensor& a, const at::Tensor& b) {  // a [m,K], b [n,K] -> [m,n] float32
  if (a.device().is_cpu()) {
    g_cpu.fetch_add(1, std::memory_order_relaxed);
    return at::matmul(a.to(at::kFloat), b.to(at::kFloat).t());
  }
  g_bf16.fetch_add(1, std::memory_order_relaxed);
  return at::matmul(a.to(at::kBFloat16), b.to(at::kBFloat16).t()).to(at::kFloat);
}

[[maybe_unused]] bool e8m0_mxfp4(const OperandQuant& q) {
  return q.format == quant::Format::kMxfp4 && q.scale != quant::ScaleRule::kQuestFp32;
}

[[maybe_unused]] float factor_of(const OperandQuant& q) {
  return q.scale == quant::ScaleRule::kAbsmax34 ? quant::kAbsmax34Factor : 1.0f;
}

// The kernels' tensor-core GEMMs (MXFP4 as block-scaled FP8, FP8 tensorwise); nullopt where they do not
// apply.
std::optional<at::Tensor> tensor_core_gemm(const LinearOperand& a, const at::Tensor& as,
                                           const LinearOperand& b, const at::Tensor& bs) {
#if LPS_OPS_CUDA_GEMM
  if (!as.is_cuda()) return std::nullopt;
  const GemmOperand ga{as, a.k_dim, a.q, a.keys, false};
  const GemmOperand gb{bs, b.k_dim, b.q, b.keys, false};
  if (e8m0_mxfp4(a.q) && e8m0_mxfp4(b.q)) {
    const CudaGemmResult r = cuda_mxfp4_gemm(ga, gb, at::kFloat);
    if (r.tensor_cores)
      g_mxfp4.fetch_add(1, std::memory_order_relaxed);
    else
      g_bf16.fetch_add(1, std::memory_order_relaxed);
    return r.y.to(at::kFloat) * (factor_of(a.q) * factor_of(b.q));
  }
  if (is_fp8(a.q) && is_fp8(b.q) &&
      !(a.q.format == quant::Format::kFp8E5M2 && b.q.format == quant::Format::kFp8E5M2)) {
    const CudaGemmResult r = cuda_fp8_gemm(ga, gb, at::kFloat);
    if (r.tensor_cores)
      g_fp8.fetch_add(1, std::memory_order_relaxed);
    else
      g_bf16.fetch_add(1, std::memory_order_relaxed);
    return r.y.to(at::kFloat);
  }
#else
  (void)a;
  (void)as;
  (void)b;
  (void)bs;
#endif
  return std::nullopt;
}

// Q(A)·Q(B)ᵀ · f_a·f_b, both quantized along their k_dim (zero-padded to the block multiple): [m, n] float32.
at::Tensor quantized_gemm(const LinearOperand& a, const LinearOperand& b, const OperandQuant& rot) {
  const int64_t kp = padded_k(a, b, rot);
  const at::Tensor as = pad_k(a.src, a.k_dim, kp);
  const at::Tensor bs = pad_k(b.src, b.k_dim, kp);
  if (auto y = tensor_core_gemm(a, as, b, bs)) return *y;
  const FakeQuant fa = prepare(as, a.k_dim, a.q, rot, a.keys, false);
  const FakeQuant fb = prepare(bs, b.k_dim, b.q, rot, b.keys, false);
  at::Tensor out =
      gemm_nt(a.k_dim == 1 ? fa.values : fa.values.t(), b.k_dim == 1 ? fb.values : fb.values.t());
  const float factor = fa.factor * fb.factor;
  return factor != 1.0f ? out * factor : out;
}

int64_t as_i64(uint64_t v) {
  return static_cast<int64_t>(v);
}
uint64_t as_u64(const c10::IValue& v) {
  return static_cast<uint64_t>(v.toInt());
}

struct QuantLinearFn : public torch::autograd::Function<QuantLinearFn> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w,
                            int64_t scheme_index, QuantCallKeys keys) {
    c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
    const quant::Scheme& s = scheme_at(scheme_index);
    const OperandQuant& qx = s.at(Operand::kFwdX);
    const OperandQuant& qw = s.at(Operand::kFwdW);
    const at::Tensor y =
        quantized_gemm({x, 1, qx, operand_keys(keys, Operand::kFwdX)},
                       {w, 1, qw, operand_keys(keys, Operand::kFwdW)}, gemm_rotation(qx, qw));
    // The backward recomputes the forward's dequantised operands from X and W (the same keys draw the same
    // bits): cheaper in memory than keeping FP32 copies, and exact.
    ctx->save_for_backward({x, w});
    ctx->saved_data["scheme"] = scheme_index;
    ctx->saved_data["seed"] = as_i64(keys.seed);
    ctx->saved_data["step"] = keys.step;
    ctx->saved_data["tensor_id"] = as_i64(keys.tensor_id);
    ctx->saved_data["call"] = as_i64(keys.call);
    return y.to(x.scalar_type());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& x = saved[0];  // [M, in]
    const at::Tensor& w = saved[1];  // [out, in]
    const quant::Scheme& s = scheme_at(ctx->saved_data["scheme"].toInt());
    QuantCallKeys keys;
    keys.seed = as_u64(ctx->saved_data["seed"]);
    keys.step = ctx->saved_data["step"].toInt();
    keys.tensor_id = as_u64(ctx->saved_data["tensor_id"]);
    keys.call = as_u64(ctx->saved_data["call"]);
    const int64_t in = x.size(1);

    // The forward's dequantised, rotated, K-padded operands X̂ [M, in_p], Ŵ [out, in_p] and trust masks.
    const OperandQuant& qx = s.at(Operand::kFwdX);
    const OperandQuant& qw = s.at(Operand::kFwdW);
    const OperandQuant rot = gemm_rotation(qx, qw);
    const LinearOperand fx{x, 1, qx, operand_keys(keys, Operand::kFwdX)};
    const LinearOperand fw{w, 1, qw, operand_keys(keys, Operand::kFwdW)};
    const int64_t in_p = padded_k(fx, fw, rot);
    const FakeQuant xh = prepare(pad_k(x, 1, in_p), 1, qx, rot, fx.keys, qx.trust_mask);
    const FakeQuant wh = prepare(pad_k(w, 1, in_p), 1, qw, rot, fw.keys, qw.trust_mask);
    const at::Tensor dy = grads[0];  // [M, out]

    const OperandQuant& q_dy = s.at(Operand::kBwdDy);
    const OperandQuant& q_w = s.at(Operand::kBwdW);
    const OperandQuant& q_dyt = s.at(Operand::kBwdDyT);
    const OperandQuant& q_xt = s.at(Operand::kBwdXT);
    // The forward's 4/3 factors belong to X̂ and Ŵ as operands of the backward GEMMs.
    const float fwd_x_factor = xh.factor, fwd_w_factor = wh.factor;
    // dX̃ = dY · Ŵ   (K = out): [M, out] x [out, in_p]
    at::Tensor dx =
        quantized_gemm({dy, 1, q_dy, operand_keys(keys, Operand::kBwdDy)},
                       {wh.values, 0, q_w, operand_keys(keys, Operand::kBwdW)}, gemm_rotation(q_dy, q_w));
    // dW̃ = dYᵀ · X̂  (K = M): [out, M] x [M, in_p]
    at::Tensor dw =
        quantized_gemm({dy, 0, q_dyt, operand_keys(keys, Operand::kBwdDyT)},
                       {xh.values, 0, q_xt, operand_keys(keys, Operand::kBwdXT)}, gemm_rotation(q_dyt, q_xt));
    if (fwd_w_factor != 1.0f) dx = dx * fwd_w_factor;
    if (fwd_x_factor != 1.0f) dw = dw * fwd_x_factor;
    if (xh.mask.defined()) dx = dx * xh.mask.to(dx.scalar_type());
    if (wh.mask.defined()) dw = dw * wh.mask.to(dw.scalar_type());
    const uint64_t fwd_signs = fx.keys.signs;
    dx = detail::rotate_along(dx, rot, 1, fwd_signs, true).narrow(1, 0, in);
    dw = detail::rotate_along(dw, rot, 1, fwd_signs, true).narrow(1, 0, in);
    return {dx.to(x.scalar_type()), dw.to(w.scalar_type()), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

QuantKeys operand_keys(const QuantCallKeys& k, Operand o) {
  const auto index = static_cast<uint64_t>(o);
  uint64_t sign_stream = quant::kStreamSignsFwd;
  if (o == Operand::kBwdDy || o == Operand::kBwdW) sign_stream = quant::kStreamSignsDx;
  if (o == Operand::kBwdDyT || o == Operand::kBwdXT) sign_stream = quant::kStreamSignsDw;
  QuantKeys keys;
  keys.sr = quant::derive_key(k.seed, k.step, k.tensor_id, k.call, quant::kStreamSrBase + index);
  keys.signs = quant::derive_key(k.seed, k.step, k.tensor_id, k.call, sign_stream);
  return keys;
}

at::Tensor quant_linear(const at::Tensor& x2d, const at::Tensor& w, const quant::Scheme& scheme,
                        const QuantCallKeys& keys) {
  TORCH_CHECK(x2d.dim() == 2 && w.dim() == 2 && x2d.size(1) == w.size(1),
              "quant_linear: X [M, in] = ", x2d.sizes(), " and W [out, in] = ", w.sizes(), " do not match");
  const auto problems = quant::scheme_problems(scheme);
  TORCH_CHECK(problems.empty(), "quant_linear: scheme '", scheme.name,
              "': ", problems.empty() ? "" : problems.front());
  return QuantLinearFn::apply(x2d, w, intern(scheme), keys);
}

GemmStats gemm_stats() {
  return {g_fp8.load(), g_bf16.load(), g_cpu.load(), g_mxfp4.load()};
}

void reset_gemm_stats() {
  g_fp8 = 0;
  g_bf16 = 0;
  g_cpu = 0;
  g_mxfp4 = 0;
}

}  // namespace lps::ops
