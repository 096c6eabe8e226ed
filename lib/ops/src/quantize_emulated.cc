// The reference quantizer's rules (lps/quant/quantizer.h) written in torch ops, for CUDA tensors that no
// kernel covers. Same formulas, same counter RNG (computed in int64 tensor arithmetic); FP32 operation order
// may differ from the reference in the rotation and scale arithmetic, so results agree up to rare
// last-place differences that move a value across a rounding boundary.
#include <lps/quant/counter_rng.h>
#include <lps/quant/fp_formats.h>
#include <lps/quant/quantizer.h>
#include <torch/torch.h>

#include "quantize_internal.h"

namespace lps::ops::detail {
namespace {

constexpr int64_t kMask32 = 0xFFFFFFFFll;

at::Tensor lowbias32(at::Tensor x) {
  x = at::bitwise_xor(x, at::bitwise_right_shift(x, 16));
  x = at::bitwise_and(x * 0x7FEB352Dll, kMask32);
  x = at::bitwise_xor(x, at::bitwise_right_shift(x, 15));
  x = at::bitwise_and(x * 0x846CA68Bll, kMask32);
  return at::bitwise_xor(x, at::bitwise_right_shift(x, 16));
}

// u = uniform24(key, i) · 2^-24 for counters i (int64 tensor), as float32.
at::Tensor uniforms(const at::Tensor& counters, uint64_t key) {
  return at::bitwise_right_shift(hash32_tensor(counters, key), 8).to(at::kFloat) * 0x1p-24f;
}

at::Tensor counters(int64_t rows, int64_t cols, const at::TensorOptions& o) {
  return at::arange(rows * cols, o.dtype(at::kLong)).reshape({rows, cols});
}

// Round |a| (a >= 0, finite) onto a minifloat grid (mbits mantissa bits, minimum normal exponent emin, max),
// RTN ties-to-even or SR (up iff u < frac).
at::Tensor round_minifloat(const at::Tensor& a, int mbits, int emin, float max, const at::Tensor& u) {
  const at::Tensor c = a.clamp_max(max);
  const at::Tensor e = at::floor(at::log2(c)).clamp_min(emin);
  const at::Tensor quantum = at::exp2(e - mbits);
  const at::Tensor m = c / quantum;
  at::Tensor r;
  if (u.defined()) {
    const at::Tensor fl = at::floor(m);
    r = fl + (u < (m - fl)).to(at::kFloat);
  } else {
    r = at::round(m);  // half to even
  }
  return (r * quantum).clamp_max(max);
}

at::Tensor e2m1_round(const at::Tensor& y, const at::Tensor& u) {
  return at::copysign(round_minifloat(at::nan_to_num(y.abs(), 0.0, 6.0, 6.0), 1, 0, 6.0f, u), y);
}

at::Tensor e4m3_rtn(const at::Tensor& b) {
  return b.clamp(-quant::kE4M3Max, quant::kE4M3Max).to(at::kFloat8_e4m3fn).to(at::kFloat);
}

at::Tensor finite_amax(const at::Tensor& v) {
  return at::where(at::isfinite(v), v.abs(), at::zeros({}, v.options())).max();
}

at::Tensor group_finite(const at::Tensor& g) {
  return at::isfinite(g).all(-1, true);
}

struct Result {
  at::Tensor values;  // [rows, K]
  at::Tensor mask;    // [rows, K] bool (trusted)
};

Result mxfp4(const at::Tensor& v, const quant::OperandQuant& q, uint64_t sr_key) {
  const int64_t rows = v.size(0), k = v.size(1);
  const at::Tensor g = v.reshape({rows, k / 32, 32});
  const at::Tensor ok = group_finite(g);
  at::Tensor s, y;
  using quant::ScaleRule;
  if (q.scale == ScaleRule::kAbsmax || q.scale == ScaleRule::kAbsmax34) {
    const at::Tensor e = (at::floor(at::log2(g.abs().amax(-1, true))) - 2).clamp(-127, 127);
    s = at::exp2(e);
    y = g * at::exp2(-e);
    if (q.scale == ScaleRule::kAbsmax34) y = y * quant::kAbsmax34Headroom;
  } else {
    const at::Tensor t = quant::kQuestGaussianScale * at::sqrt((g * g).mean(-1, true));
    if (q.scale == ScaleRule::kQuestFp32) {
      s = t;
      y = at::where(t > 0, g / t, at::zeros({}, g.options()));
    } else {
      at::Tensor e = at::floor(at::log2(t));
      if (q.scale == ScaleRule::kQuest) e = e + (t * at::exp2(-e) > 1.41421356f).to(at::kFloat);
      e = e.clamp(-127, 127);
      s = at::exp2(e);
      y = g * at::exp2(-e);
    }
  }
  at::Tensor u;
  if (q.rounding == quant::Rounding::kSr)
    u = uniforms(counters(rows, k, v.options()), sr_key).reshape(g.sizes());
  const at::Tensor deq = e2m1_round(y, u) * s;
  const bool strict =
      q.scale == ScaleRule::kQuest || q.scale == ScaleRule::kQuestFloor || q.scale == ScaleRule::kQuestFp32;
  const at::Tensor trusted = (strict ? y.abs() < 6.0f : y.abs() <= 6.0f).logical_and(ok);
  const at::Tensor nan = at::full({}, std::numeric_limits<float>::quiet_NaN(), g.options());
  return {at::where(ok, deq, nan).reshape({rows, k}), trusted.reshape({rows, k})};
}

Result nvfp4(const at::Tensor& v, const quant::OperandQuant& q, uint64_t sr_key) {
  using quant::ScaleRule;
  const int64_t rows = v.size(0), k = v.size(1);
  const at::Tensor g = v.reshape({rows, k / 16, 16});
  const at::Tensor ok = group_finite(g);
  const at::Tensor a = finite_amax(v);
  const at::Tensor t = at::where(a > 0, a / quant::kNvfp4TensorRange, at::ones({}, v.options()));
  const at::Tensor amax = g.abs().amax(-1, true);
  const at::Tensor zero = at::zeros({}, v.options());
  auto encode = [&](const at::Tensor& b, const at::Tensor& u, at::Tensor* y_out) {
    const at::Tensor e = e4m3_rtn(b);
    const at::Tensor s = e * t;
    const at::Tensor y = at::where(s > 0, g / s, zero);
    *y_out = y;
    return std::make_pair(e, e2m1_round(y, u));
  };
  at::Tensor y, e, codes;
  if (q.scale == ScaleRule::kFourOverSix) {
    at::Tensor y6, y4;
    auto [e6, c6] = encode(amax / 6.0f / t, at::Tensor(), &y6);
    auto [e4, c4] = encode(amax / 4.0f / t, at::Tensor(), &y4);
    const at::Tensor err6 = (c6 * (e6 * t) - g).pow(2).sum(-1, true);
    const at::Tensor err4 = (c4 * (e4 * t) - g).pow(2).sum(-1, true);
    const at::Tensor four = err4 < err6;
    e = at::where(four, e4, e6);
    codes = at::where(four, c4, c6);
    y = at::where(four, y4, y6);
  } else {
    at::Tensor b = amax / 6.0f / t;
    at::Tensor u;
    if (q.rounding == quant::Rounding::kSr) {
      if (q.scale == ScaleRule::kAbsmax) b = b * quant::kNvfp4SrHeadroom;
      u = uniforms(counters(rows, k, v.options()), sr_key).reshape(g.sizes());
    }
    std::tie(e, codes) = encode(b, u, &y);
    if (q.scale == ScaleRule::kMsEden) {
      const at::Tensor num = (g * g).sum(-1, true);
      const at::Tensor den = (g * (codes * (e * t))).sum(-1, true);
      at::Tensor c = num / den;
      c = at::where((den > 0).logical_and(at::isfinite(c)), c, at::ones({}, v.options()));
      const at::Tensor us = uniforms(counters(rows, k / 16, v.options()), sr_key).reshape({rows, k / 16, 1});
      e = round_minifloat(e * c, 3, -6, quant::kE4M3Max, us);
    }
  }
  const at::Tensor deq = codes * (e * t);
  const at::Tensor nan = at::full({}, std::numeric_limits<float>::quiet_NaN(), g.options());
  return {at::where(ok, deq, nan).reshape({rows, k}), (y.abs() <= 6.0f).logical_and(ok).reshape({rows, k})};
}

Result fp8(const at::Tensor& v, const quant::OperandQuant& q, uint64_t sr_key) {
  const bool e4 = q.format == quant::Format::kFp8E4M3;
  const float fmax = e4 ? quant::kE4M3Max : quant::kE5M2Max;
  const at::Tensor a = finite_amax(v);
  const at::Tensor enc = at::where(a > 0, fmax / a, at::ones({}, v.options()));
  const at::Tensor y = v * enc;
  at::Tensor r;
  if (q.rounding == quant::Rounding::kSr) {
    const at::Tensor u = uniforms(counters(v.size(0), v.size(1), v.options()), sr_key);
    r = at::copysign(
        round_minifloat(at::nan_to_num(y.abs(), 0.0, fmax, fmax), e4 ? 3 : 2, e4 ? -6 : -14, fmax, u), y);
    r = at::where(at::isnan(y), y, r);
  } else {
    r = y.clamp(-fmax, fmax).to(e4 ? at::kFloat8_e4m3fn : at::kFloat8_e5m2).to(at::kFloat);
  }
  return {r / enc, y.abs() <= fmax};
}

}  // namespace

at::Tensor hash32_tensor(const at::Tensor& counters, uint64_t key) {
  const auto lo = static_cast<int64_t>(key & 0xFFFFFFFFull);
  const auto hi = static_cast<int64_t>(key >> 32);
  const at::Tensor a = lowbias32(at::bitwise_xor(at::bitwise_and(counters, kMask32), lo));
  return lowbias32(at::bitwise_xor(at::bitwise_xor(a, hi), at::bitwise_right_shift(counters, 32)));
}

FakeQuant quantize_emulated(const at::Tensor& x, const quant::OperandQuant& q, int64_t dim,
                            const QuantKeys& keys, bool want_mask) {
  // [rows, K] with K last (a transposed copy for dim 0: the emulation is not the fast path).
  at::Tensor v = (dim == 1 ? x : x.t()).to(at::kFloat).contiguous();
  v = rotate_along(v, q, 1, keys.signs, false).contiguous();
  Result r;
  if (q.format == quant::Format::kMxfp4)
    r = mxfp4(v, q, keys.sr);
  else if (q.format == quant::Format::kNvfp4)
    r = nvfp4(v, q, keys.sr);
  else
    r = fp8(v, q, keys.sr);
  FakeQuant out;
  out.factor = q.scale == quant::ScaleRule::kAbsmax34 ? quant::kAbsmax34Factor : 1.0f;
  out.values = dim == 1 ? r.values : r.values.t();
  if (want_mask) out.mask = (dim == 1 ? r.mask : r.mask.t()).to(at::kByte);
  return out;
}

}  // namespace lps::ops::detail
