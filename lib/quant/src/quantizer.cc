// The reference quantizer: rotate -> scale -> encode along K, per the bit-level rules of quantizer.h.
#include <lps/core/error.h>
#include <lps/quant/counter_rng.h>
#include <lps/quant/fp_formats.h>
#include <lps/quant/hadamard.h>
#include <lps/quant/quantizer.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace lps::quant {
namespace {

constexpr uint32_t kSqrt2Mantissa = 0x3504F3u;  // mantissa bits of (float)sqrt(2)
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

bool is_quest(ScaleRule s) {
  return s == ScaleRule::kQuest || s == ScaleRule::kQuestFloor || s == ScaleRule::kQuestFp32;
}

bool is_fp8(Format f) {
  return f == Format::kFp8E4M3 || f == Format::kFp8E5M2;
}

// Pairwise sum in the documented order; destroys a[0..n), n a power of two.
float tree_sum(float* a, int n) {
  for (int h = n / 2; h >= 1; h /= 2)
    for (int i = 0; i < h; ++i) a[i] += a[i + h];
  return a[0];
}

bool all_finite(const float* v, int n) {
  for (int i = 0; i < n; ++i)
    if (!std::isfinite(v[i])) return false;
  return true;
}

float abs_max(const float* v, int n) {
  float m = 0.0f;
  for (int i = 0; i < n; ++i) m = std::max(m, std::fabs(v[i]));
  return m;
}

uint8_t encode_e2m1(float y, Rounding r, uint64_t sr_key, uint64_t counter) {
  return r == Rounding::kSr ? e2m1_encode_sr(y, uniform24(sr_key, counter)) : e2m1_encode_rtn(y);
}

// Per-row state shared by the group quantizers.
struct RowOut {
  uint8_t* codes;      // K unpacked codes of the row
  uint8_t* scales;     // K/group scale codes (may be null)
  float* fp32_scales;  // K/32 (quest_fp32 only)
  uint8_t* mask;       // K (may be null)
};

void quantize_mx_group(const float* v, int64_t row, int64_t k, int64_t g, const QuantizeOptions& o,
                       RowOut out) {
  constexpr int n = kMxfp4Group;
  const OperandQuant& q = o.quant;
  const int64_t base = g * n;
  if (!all_finite(v, n)) {
    out.scales[g] = kE8M0NaN;
    if (out.fp32_scales != nullptr) out.fp32_scales[g] = kNaN;
    for (int i = 0; i < n; ++i) {
      out.codes[base + i] = 0;
      if (out.mask != nullptr) out.mask[base + i] = 0;
    }
    return;
  }
  float y[n];
  uint8_t code = 0;
  if (q.scale == ScaleRule::kAbsmax || q.scale == ScaleRule::kAbsmax34) {
    code = static_cast<uint8_t>(std::clamp(fp32_exponent_field(abs_max(v, n)) - 2, 0, 254));
    const float mul = std::ldexp(q.scale == ScaleRule::kAbsmax34 ? kAbsmax34Headroom : 1.0f, 127 - code);
    for (int i = 0; i < n; ++i) y[i] = v[i] * mul;
  } else {  // quest family
    float sq[n];
    for (int i = 0; i < n; ++i) sq[i] = v[i] * v[i];
    const float r = std::sqrt(tree_sum(sq, n) / static_cast<float>(n));
    const float t = kQuestGaussianScale * r;
    if (q.scale == ScaleRule::kQuestFp32) {
      out.fp32_scales[g] = t;
      for (int i = 0; i < n; ++i) y[i] = t > 0.0f ? v[i] / t : 0.0f;
    } else {
      int c = fp32_exponent_field(t);
      if (q.scale == ScaleRule::kQuest && c > 0 && (std::bit_cast<uint32_t>(t) & 0x7FFFFFu) > kSqrt2Mantissa)
        ++c;
      code = static_cast<uint8_t>(std::clamp(c, 0, 254));
      const float mul = std::ldexp(1.0f, 127 - code);
      for (int i = 0; i < n; ++i) y[i] = v[i] * mul;
    }
  }
  out.scales[g] = code;
  const bool strict = is_quest(q.scale);
  for (int i = 0; i < n; ++i) {
    out.codes[base + i] = encode_e2m1(y[i], q.rounding, o.sr_key, static_cast<uint64_t>(row * k + base + i));
    if (out.mask != nullptr)
      out.mask[base + i] =
          static_cast<uint8_t>(strict ? std::fabs(y[i]) < kE2M1Max : std::fabs(y[i]) <= kE2M1Max);
  }
}

// NVFP4 block with E4M3 target b (in units of T): scale code, RTN/SR codes into `codes`, returns S.
float nv_encode_block(const float* v, float b, float tensor_scale, Rounding rounding, uint64_t sr_key,
                      uint64_t counter0, uint8_t* e_out, uint8_t* codes, float* y) {
  constexpr int n = kNvfp4Group;
  const uint8_t e = e4m3_encode_rtn(b);
  const float s = e4m3_decode(e) * tensor_scale;
  for (int i = 0; i < n; ++i) {
    y[i] = s > 0.0f ? v[i] / s : 0.0f;
    codes[i] = encode_e2m1(y[i], rounding, sr_key, counter0 + static_cast<uint64_t>(i));
  }
  *e_out = e;
  return s;
}

float block_sq_error(const float* v, const uint8_t* codes, float s) {
  float d[kNvfp4Group];
  for (int i = 0; i < kNvfp4Group; ++i) {
    const float diff = e2m1_decode(codes[i]) * s - v[i];
    d[i] = diff * diff;
  }
  return tree_sum(d, kNvfp4Group);
}

void quantize_nv_group(const float* v, int64_t row, int64_t k, int64_t g, float tensor_scale,
                       const QuantizeOptions& o, RowOut out) {
  constexpr int n = kNvfp4Group;
  const OperandQuant& q = o.quant;
  const int64_t base = g * n;
  if (!all_finite(v, n)) {
    out.scales[g] = kE4M3NaN;
    for (int i = 0; i < n; ++i) {
      out.codes[base + i] = 0;
      if (out.mask != nullptr) out.mask[base + i] = 0;
    }
    return;
  }
  const float amax = abs_max(v, n);
  const uint64_t counter0 = static_cast<uint64_t>(row * k + base);
  float y[n];
  uint8_t e = 0;
  uint8_t* codes = out.codes + base;
  if (q.scale == ScaleRule::kFourOverSix) {
    uint8_t e6 = 0, e4 = 0;
    uint8_t c6[n], c4[n];
    float y6[n], y4[n];
    const float s6 =
        nv_encode_block(v, (amax / 6.0f) / tensor_scale, tensor_scale, Rounding::kRtn, 0, 0, &e6, c6, y6);
    const float s4 =
        nv_encode_block(v, (amax / 4.0f) / tensor_scale, tensor_scale, Rounding::kRtn, 0, 0, &e4, c4, y4);
    const bool four = block_sq_error(v, c4, s4) < block_sq_error(v, c6, s6);
    e = four ? e4 : e6;
    std::copy_n(four ? c4 : c6, n, codes);
    std::copy_n(four ? y4 : y6, n, y);
  } else {
    float b = (amax / 6.0f) / tensor_scale;
    if (q.rounding == Rounding::kSr && q.scale == ScaleRule::kAbsmax) b = b * kNvfp4SrHeadroom;
    (void)nv_encode_block(v, b, tensor_scale, q.rounding, o.sr_key, counter0, &e, codes, y);
  }
  out.scales[g] = e;
  if (out.mask != nullptr)
    for (int i = 0; i < n; ++i) out.mask[base + i] = static_cast<uint8_t>(std::fabs(y[i]) <= kE2M1Max);
}

// MS-EDEN correction over one correction group of n values (n = the Hadamard block, or 16): the blocks'
// RTN codes and E4M3 scales are already in place; re-encode each block scale as e4m3_sr(decode(e) · c).
void ms_eden_correct(const float* v, int64_t row, int64_t k, int64_t first_block, int n, float tensor_scale,
                     uint64_t sr_key, const uint8_t* codes, uint8_t* scales) {
  std::vector<float> num(static_cast<size_t>(n)), den(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const int64_t b = first_block + i / kNvfp4Group;
    const float s = e4m3_decode(scales[b]) * tensor_scale;
    num[static_cast<size_t>(i)] = v[i] * v[i];
    den[static_cast<size_t>(i)] = v[i] * (e2m1_decode(codes[i]) * s);
  }
  const float nsum = tree_sum(num.data(), n);
  const float dsum = tree_sum(den.data(), n);
  float c = nsum / dsum;
  if (!(dsum > 0.0f) || !std::isfinite(c)) c = 1.0f;
  for (int64_t b = first_block; b < first_block + n / kNvfp4Group; ++b) {
    if (scales[b] == kE4M3NaN) continue;
    scales[b] = e4m3_encode_sr(e4m3_decode(scales[b]) * c,
                               uniform24(sr_key, static_cast<uint64_t>(row * (k / kNvfp4Group) + b)));
  }
}

}  // namespace

uint8_t QuantizedMatrix::code(int64_t r, int64_t j) const {
  if (is_fp8(format)) return codes[static_cast<size_t>(r * k + j)];
  const uint8_t byte = codes[static_cast<size_t>(r * (k / 2) + j / 2)];
  return (j % 2 == 0) ? (byte & 0xF) : static_cast<uint8_t>(byte >> 4);
}

std::vector<std::string> operand_problems(const OperandQuant& q) {
  std::vector<std::string> p;
  if (q.hadamard != 0 && !is_hadamard_size(q.hadamard))
    p.push_back("hadamard must be 0 (none), 16, 32, 64 or 128, got " + std::to_string(q.hadamard));
  if (q.random_signs && q.hadamard == 0) p.emplace_back("random_signs needs a hadamard block size");
  if (q.format == Format::kBf16) return p;
  if (q.format == Format::kInt4 || q.format == Format::kInt8) {
    p.emplace_back("int4 and int8 are not implemented; use mxfp4, nvfp4, fp8_e4m3 or fp8_e5m2");
    return p;
  }
  const std::string rule(to_string(q.scale));
  if (q.format == Format::kMxfp4 && (q.scale == ScaleRule::kFourOverSix || q.scale == ScaleRule::kMsEden))
    p.push_back("scale " + rule +
                " needs format nvfp4 (E4M3 block scales); mxfp4 takes absmax, absmax_3_4, quest, "
                "quest_floor or quest_fp32");
  if (q.format == Format::kNvfp4 && q.scale != ScaleRule::kAbsmax && q.scale != ScaleRule::kFourOverSix &&
      q.scale != ScaleRule::kMsEden)
    p.push_back("scale " + rule + " is not defined for nvfp4; use absmax, four_over_six or ms_eden");
  if (is_fp8(q.format) && q.scale != ScaleRule::kAbsmax)
    p.push_back("fp8 formats are scaled tensorwise by absmax; scale " + rule + " is not available");
  if ((q.scale == ScaleRule::kFourOverSix || q.scale == ScaleRule::kMsEden) && q.rounding == Rounding::kSr)
    p.push_back("scale " + rule + " rounds values to nearest (its own rules); use rounding rtn");
  return p;
}

std::vector<std::string> scheme_problems(const Scheme& s) {
  static constexpr const char* kNames[kNumOperands] = {"fwd_x", "fwd_w",   "bwd_dy",
                                                       "bwd_w", "bwd_dyt", "bwd_xt"};
  std::vector<std::string> p;
  for (int i = 0; i < kNumOperands; ++i) {
    for (const std::string& m : operand_problems(s.operands[static_cast<size_t>(i)]))
      p.push_back(std::string(kNames[i]) + ": " + m);
    if (i >= 2 && s.operands[static_cast<size_t>(i)].trust_mask)
      p.push_back(std::string(kNames[i]) + ": trust_mask applies to forward operands only");
  }
  for (int g = 0; g < 3; ++g) {
    const OperandQuant& a = s.operands[static_cast<size_t>(2 * g)];
    const OperandQuant& b = s.operands[static_cast<size_t>(2 * g + 1)];
    if (a.is_identity() || b.is_identity()) continue;
    if (a.hadamard != b.hadamard || a.random_signs != b.random_signs)
      p.push_back(std::string(kNames[2 * g]) + " and " + kNames[2 * g + 1] +
                  ": the two operands of one GEMM need the same hadamard and random_signs (the rotation must "
                  "cancel)");
  }
  return p;
}

int group_size(Format f) {
  switch (f) {
    case Format::kMxfp4: return kMxfp4Group;
    case Format::kNvfp4: return kNvfp4Group;
    default: return 0;
  }
}

int k_multiple(const OperandQuant& q) {
  if (q.format == Format::kBf16) return 1;
  return std::max({1, group_size(q.format), q.hadamard});
}

void rotate_row_ref(float* row, int64_t k, const OperandQuant& q, uint64_t sign_key) {
  if (q.hadamard == 0) return;
  LPS_CHECK(k % q.hadamard == 0, "K = {} is not a multiple of the Hadamard block {}", k, q.hadamard);
  std::vector<float> signs;
  if (q.random_signs) {
    signs.resize(static_cast<size_t>(k));
    for (int64_t j = 0; j < k; ++j)
      signs[static_cast<size_t>(j)] = random_sign(sign_key, static_cast<uint64_t>(j));
  }
  for (int64_t b = 0; b < k; b += q.hadamard)
    hadamard_forward(row + b, q.hadamard, q.random_signs ? signs.data() + b : nullptr);
}

float tensor_amax_ref(const StridedMatrix& x, const OperandQuant& q, uint64_t sign_key) {
  std::vector<float> row(static_cast<size_t>(x.k));
  float amax = 0.0f;
  for (int64_t r = 0; r < x.rows; ++r) {
    for (int64_t j = 0; j < x.k; ++j) row[static_cast<size_t>(j)] = x.at(r, j);
    rotate_row_ref(row.data(), x.k, q, sign_key);
    for (float v : row)
      if (std::isfinite(v)) amax = std::max(amax, std::fabs(v));
  }
  return amax;
}

QuantizedMatrix quantize_ref(const StridedMatrix& x, const QuantizeOptions& o) {
  const OperandQuant& q = o.quant;
  const auto problems = operand_problems(q);
  LPS_CHECK(problems.empty(), "invalid operand quantizer: {}", problems.empty() ? "" : problems.front());
  LPS_CHECK(q.format != Format::kBf16, "quantize_ref: a bf16 operand is not quantized");
  const int mult = k_multiple(q);
  LPS_CHECK(x.k % mult == 0, "quantize_ref: K = {} must be a multiple of {} for {} (hadamard {})", x.k, mult,
            to_string(q.format), q.hadamard);

  QuantizedMatrix out;
  out.format = q.format;
  out.scale_rule = q.scale;
  out.rows = x.rows;
  out.k = x.k;
  out.group = is_fp8(q.format) ? static_cast<int>(x.k) : group_size(q.format);
  out.factor = q.scale == ScaleRule::kAbsmax34 ? kAbsmax34Factor : 1.0f;
  const bool fp4 = !is_fp8(q.format);
  const int64_t groups = fp4 ? x.k / out.group : 0;
  if (fp4) out.scales.assign(static_cast<size_t>(x.rows * groups), 0);
  if (q.scale == ScaleRule::kQuestFp32) out.fp32_scales.assign(static_cast<size_t>(x.rows * groups), 0.0f);
  const bool want_mask = o.want_mask || q.trust_mask;
  if (want_mask) out.mask.assign(static_cast<size_t>(x.rows * x.k), 0);

  // Tensor scale (NVFP4 T, FP8 decode scale) from A.
  float enc = 1.0f;
  if (q.format == Format::kNvfp4 || !fp4) {
    const float a = o.tensor_amax.has_value() ? *o.tensor_amax : tensor_amax_ref(x, q, o.sign_key);
    const bool usable = std::isfinite(a) && a > 0.0f;
    if (q.format == Format::kNvfp4) {
      out.tensor_scale = usable ? a / kNvfp4TensorRange : 1.0f;
    } else {
      const float fmax = q.format == Format::kFp8E4M3 ? kE4M3Max : kE5M2Max;
      enc = usable ? fmax / a : 1.0f;
      out.tensor_scale = 1.0f / enc;
    }
  }

  std::vector<float> row(static_cast<size_t>(x.k));
  std::vector<uint8_t> codes(static_cast<size_t>(x.k));
  std::vector<uint8_t> mask_row(want_mask ? static_cast<size_t>(x.k) : 0);
  std::vector<uint8_t> packed;
  if (fp4)
    out.codes.assign(static_cast<size_t>(x.rows * (x.k / 2)), 0);
  else
    out.codes.assign(static_cast<size_t>(x.rows * x.k), 0);

  for (int64_t r = 0; r < x.rows; ++r) {
    for (int64_t j = 0; j < x.k; ++j) row[static_cast<size_t>(j)] = x.at(r, j);
    rotate_row_ref(row.data(), x.k, q, o.sign_key);
    RowOut ro{codes.data(), fp4 ? out.scales.data() + r * groups : nullptr,
              out.fp32_scales.empty() ? nullptr : out.fp32_scales.data() + r * groups,
              want_mask ? mask_row.data() : nullptr};
    if (q.format == Format::kMxfp4) {
      for (int64_t g = 0; g < groups; ++g) quantize_mx_group(row.data() + g * out.group, r, x.k, g, o, ro);
    } else if (q.format == Format::kNvfp4) {
      for (int64_t g = 0; g < groups; ++g)
        quantize_nv_group(row.data() + g * out.group, r, x.k, g, out.tensor_scale, o, ro);
      if (q.scale == ScaleRule::kMsEden) {
        // Per 16-value block (the micro-scale): matches Quartet II's published MSE. A per-rotation-group
        // (128) correction is less biased under the RHT but measures 9.70e-3 (docs/precision.md).
        const int n = kNvfp4Group;
        for (int64_t j = 0; j < x.k; j += n)
          ms_eden_correct(row.data() + j, r, x.k, j / kNvfp4Group, n, out.tensor_scale, o.sr_key,
                          codes.data() + j, out.scales.data() + r * groups);
      }
    } else {
      const float fmax = q.format == Format::kFp8E4M3 ? kE4M3Max : kE5M2Max;
      for (int64_t j = 0; j < x.k; ++j) {
        const float y = row[static_cast<size_t>(j)] * enc;
        const auto counter = static_cast<uint64_t>(r * x.k + j);
        uint8_t c;
        if (q.format == Format::kFp8E4M3)
          c = q.rounding == Rounding::kSr ? e4m3_encode_sr(y, uniform24(o.sr_key, counter))
                                          : e4m3_encode_rtn(y);
        else
          c = q.rounding == Rounding::kSr ? e5m2_encode_sr(y, uniform24(o.sr_key, counter))
                                          : e5m2_encode_rtn(y);
        codes[static_cast<size_t>(j)] = c;
        if (want_mask) mask_row[static_cast<size_t>(j)] = static_cast<uint8_t>(std::fabs(y) <= fmax);
      }
    }
    if (fp4) {
      uint8_t* dst = out.codes.data() + r * (x.k / 2);
      for (int64_t j = 0; j < x.k; j += 2)
        dst[j / 2] = static_cast<uint8_t>((codes[static_cast<size_t>(j)] & 0xF) |
                                          ((codes[static_cast<size_t>(j + 1)] & 0xF) << 4));
    } else {
      std::copy(codes.begin(), codes.end(), out.codes.begin() + r * x.k);
    }
    if (want_mask) std::copy(mask_row.begin(), mask_row.end(), out.mask.begin() + r * x.k);
  }
  return out;
}

void dequantize_ref(const QuantizedMatrix& q, float* out, bool apply_factor) {
  const float factor = apply_factor ? q.factor : 1.0f;
  const int64_t groups = is_fp8(q.format) ? 1 : q.k / q.group;
  for (int64_t r = 0; r < q.rows; ++r) {
    for (int64_t j = 0; j < q.k; ++j) {
      const uint8_t c = q.code(r, j);
      float v;
      if (q.format == Format::kFp8E4M3) {
        v = e4m3_decode(c) * q.tensor_scale;
      } else if (q.format == Format::kFp8E5M2) {
        v = e5m2_decode(c) * q.tensor_scale;
      } else {
        const size_t gi = static_cast<size_t>(r * groups + j / q.group);
        float s;
        if (q.format == Format::kNvfp4)
          s = e4m3_decode(q.scales[gi]) * q.tensor_scale;
        else if (q.scale_rule == ScaleRule::kQuestFp32)
          s = q.fp32_scales[gi];
        else
          s = e8m0_decode(q.scales[gi]);
        v = e2m1_decode(c) * s;
      }
      if (factor != 1.0f) v = v * factor;
      out[r * q.k + j] = v;
    }
  }
}

}  // namespace lps::quant
