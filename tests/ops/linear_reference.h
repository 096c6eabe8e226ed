// A hand-written reference of QuantLinear for tests: the operands quantized with lps::quant's reference
// (through strides, as the GEMMs see them), the GEMMs, masks and un-rotation in double precision.
#pragma once

#include <lps/ops/quant_linear.h>
#include <lps/quant/counter_rng.h>
#include <lps/quant/hadamard.h>
#include <lps/quant/quantizer.h>
#include <torch/torch.h>

#include <vector>

namespace lps::ops::testing {

struct RefOperand {
  at::Tensor values;  // [rows, K] float32, rotated domain, without the 4/3 factor
  at::Tensor mask;    // [rows, K] double (1 trusted) or undefined
  double factor = 1.0;
};

inline quant::OperandQuant rotation_of(const quant::OperandQuant& a, const quant::OperandQuant& b) {
  quant::OperandQuant r;
  const quant::OperandQuant& src = a.is_identity() ? b : a;
  r.hadamard = src.hadamard;
  r.random_signs = src.random_signs;
  return r;
}

// src: a float32 2-D CPU tensor whose logical [rows, K] operand is src (k_dim 1) or srcᵀ (k_dim 0).
inline RefOperand ref_operand(const at::Tensor& src, int64_t k_dim, const quant::OperandQuant& q,
                              const quant::OperandQuant& rot, const QuantKeys& keys) {
  const at::Tensor s = src.to(at::kFloat).contiguous();
  const int64_t rows = s.size(1 - k_dim), k = s.size(k_dim);
  const quant::StridedMatrix view{s.data_ptr<float>(), rows, k, s.stride(1 - k_dim), s.stride(k_dim)};
  RefOperand out;
  out.values = at::empty({rows, k});
  float* dst = out.values.data_ptr<float>();
  if (q.is_identity()) {
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < k; ++j) dst[r * k + j] = view.at(r, j);
      quant::rotate_row_ref(dst + r * k, k, rot, keys.signs);
    }
    return out;
  }
  quant::QuantizeOptions o;
  o.quant = q;
  o.sr_key = keys.sr;
  o.sign_key = keys.signs;
  const quant::QuantizedMatrix qm = quant::quantize_ref(view, o);
  quant::dequantize_ref(qm, dst, false);
  out.factor = qm.factor;
  if (q.trust_mask) {
    out.mask = at::empty({rows, k}, at::kByte);
    std::copy(qm.mask.begin(), qm.mask.end(), out.mask.data_ptr<uint8_t>());
    out.mask = out.mask.to(at::kDouble);
  }
  return out;
}

// Inverse block rotation of each row of t [rows, K] (double), signs from `sign_key` when rot.random_signs.
inline at::Tensor unrotate_rows(const at::Tensor& t, const quant::OperandQuant& rot, uint64_t sign_key) {
  if (rot.hadamard == 0) return t;
  const int n = rot.hadamard;
  at::Tensor h = at::empty({n, n}, at::kDouble);
  std::vector<float> col(static_cast<size_t>(n));
  for (int j = 0; j < n; ++j) {
    std::fill(col.begin(), col.end(), 0.0f);
    col[static_cast<size_t>(j)] = 1.0f;
    quant::hadamard_forward(col.data(), n, nullptr);
    for (int i = 0; i < n; ++i) h[i][j] = static_cast<double>(col[static_cast<size_t>(i)]);
  }
  const int64_t k = t.size(1);
  at::Tensor v = at::matmul(t.reshape({t.size(0), k / n, n}), h).reshape(t.sizes());
  if (rot.random_signs) {
    at::Tensor signs = at::empty({k}, at::kDouble);
    for (int64_t j = 0; j < k; ++j) signs[j] = quant::random_sign(sign_key, static_cast<uint64_t>(j));
    v = v * signs;
  }
  return v;
}

struct RefGrads {
  at::Tensor y, dx, dw;  // double
};

// x [M, in], w [out, in], dy [M, out] (float32, CPU; K dimensions multiples of every block: no padding).
inline RefGrads reference_linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& dy,
                                 const quant::Scheme& s, const QuantCallKeys& keys) {
  using quant::Operand;
  const auto& qx = s.at(Operand::kFwdX);
  const auto& qw = s.at(Operand::kFwdW);
  const auto rot = rotation_of(qx, qw);
  const RefOperand xh = ref_operand(x, 1, qx, rot, operand_keys(keys, Operand::kFwdX));
  const RefOperand wh = ref_operand(w, 1, qw, rot, operand_keys(keys, Operand::kFwdW));
  RefGrads g;
  g.y = at::matmul(xh.values.to(at::kDouble), wh.values.to(at::kDouble).t()) * (xh.factor * wh.factor);

  const auto& q_dy = s.at(Operand::kBwdDy);
  const auto& q_w = s.at(Operand::kBwdW);
  const auto rot_dx = rotation_of(q_dy, q_w);
  const RefOperand a = ref_operand(dy, 1, q_dy, rot_dx, operand_keys(keys, Operand::kBwdDy));
  const RefOperand b = ref_operand(wh.values, 0, q_w, rot_dx, operand_keys(keys, Operand::kBwdW));
  at::Tensor dx =
      at::matmul(a.values.to(at::kDouble), b.values.to(at::kDouble).t()) * (a.factor * b.factor * wh.factor);

  const auto& q_dyt = s.at(Operand::kBwdDyT);
  const auto& q_xt = s.at(Operand::kBwdXT);
  const auto rot_dw = rotation_of(q_dyt, q_xt);
  const RefOperand c = ref_operand(dy, 0, q_dyt, rot_dw, operand_keys(keys, Operand::kBwdDyT));
  const RefOperand d = ref_operand(xh.values, 0, q_xt, rot_dw, operand_keys(keys, Operand::kBwdXT));
  at::Tensor dw =
      at::matmul(c.values.to(at::kDouble), d.values.to(at::kDouble).t()) * (c.factor * d.factor * xh.factor);

  if (xh.mask.defined()) dx = dx * xh.mask;
  if (wh.mask.defined()) dw = dw * wh.mask;
  const uint64_t signs = operand_keys(keys, Operand::kFwdX).signs;
  g.dx = unrotate_rows(dx, rot, signs);
  g.dw = unrotate_rows(dw, rot, signs);
  return g;
}

}  // namespace lps::ops::testing
