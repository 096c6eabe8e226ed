// Scalar codecs of E2M1, E4M3, E5M2 (one generic minifloat routine) and E8M0; rules in fp_formats.h.
#include <lps/quant/fp_formats.h>

#include <bit>
#include <cmath>
#include <limits>

namespace lps::quant {
namespace {

// A sign-magnitude minifloat without inf (inf/NaN handled by the callers).
struct Minifloat {
  int mbits;     // mantissa bits
  int bias;      // exponent bias
  float max;     // largest finite magnitude
  int sign_bit;  // position of the sign bit
};

constexpr Minifloat kE2M1{1, 1, 6.0f, 3};
constexpr Minifloat kE4M3{3, 7, 448.0f, 7};
constexpr Minifloat kE5M2{2, 15, 57344.0f, 7};

// floor(log2 a) for a normal positive float.
int floor_log2(float a) {
  return fp32_exponent_field(a) - 127;
}

// Code of the magnitude `value`, which is on the grid of f (0 <= value <= f.max).
uint32_t magnitude_code(const Minifloat& f, float value) {
  if (value == 0.0f) return 0;
  const int emin = 1 - f.bias;
  const int e = floor_log2(value);
  if (e < emin) return static_cast<uint32_t>(std::ldexp(value, f.mbits - emin));  // subnormal mantissa
  const auto mant = static_cast<uint32_t>(std::ldexp(value, f.mbits - e)) - (1u << f.mbits);
  return (static_cast<uint32_t>(e + f.bias) << f.mbits) | mant;
}

// a / quantum (exact) and the quantum of the binade holding a (a < f.max, a >= 0).
float quantum_of(const Minifloat& f, float a) {
  const int emin = 1 - f.bias;
  const int e = (a < std::ldexp(1.0f, emin)) ? emin : floor_log2(a);
  return std::ldexp(1.0f, e - f.mbits);
}

float round_half_even(float m) {
  const float fl = std::floor(m);
  const float frac = m - fl;
  if (frac > 0.5f) return fl + 1.0f;
  if (frac < 0.5f) return fl;
  return (std::fmod(fl, 2.0f) == 0.0f) ? fl : fl + 1.0f;
}

// Encode a non-NaN value: saturating, sign from signbit. sr: draw u24 when true.
uint8_t encode(const Minifloat& f, float x, bool sr, uint32_t u24) {
  const uint32_t sign = std::signbit(x) ? (1u << f.sign_bit) : 0u;
  const float a = std::fabs(x);
  float value;
  if (!(a < f.max)) {
    value = f.max;  // >= max, or inf
  } else {
    const float q = quantum_of(f, a);
    const float m = a / q;  // exact: q is a power of two and a is not deep subnormal relative to it
    float r;
    if (sr) {
      const float fl = std::floor(m);
      const float p = m - fl;  // exact
      const float u = static_cast<float>(u24) * 0x1p-24f;
      r = (u < p) ? fl + 1.0f : fl;
    } else {
      r = round_half_even(m);
    }
    value = std::fmin(r * q, f.max);
  }
  return static_cast<uint8_t>(sign | magnitude_code(f, value));
}

float decode(const Minifloat& f, uint8_t code) {
  const bool neg = ((code >> f.sign_bit) & 1u) != 0;
  const uint32_t mag = code & ((1u << f.sign_bit) - 1u);
  const uint32_t field = mag >> f.mbits;
  const uint32_t mant = mag & ((1u << f.mbits) - 1u);
  const int emin = 1 - f.bias;
  float v;
  if (field == 0) {
    v = std::ldexp(static_cast<float>(mant), emin - f.mbits);
  } else {
    v = std::ldexp(static_cast<float>(mant + (1u << f.mbits)), static_cast<int>(field) - f.bias - f.mbits);
  }
  return neg ? -v : v;
}

}  // namespace

int fp32_exponent_field(float x) {
  return static_cast<int>((std::bit_cast<uint32_t>(x) >> 23) & 0xFFu);
}

uint8_t e2m1_encode_rtn(float y) {
  return std::isnan(y) ? 0 : encode(kE2M1, y, false, 0);
}
uint8_t e2m1_encode_sr(float y, uint32_t u24) {
  return std::isnan(y) ? 0 : encode(kE2M1, y, true, u24);
}
float e2m1_decode(uint8_t code) {
  const float v = kE2M1Values[code & 7u];
  return (code & 8u) != 0 ? -v : v;
}

uint8_t e4m3_encode_rtn(float x) {
  return std::isnan(x) ? kE4M3NaN : encode(kE4M3, x, false, 0);
}
uint8_t e4m3_encode_sr(float x, uint32_t u24) {
  return std::isnan(x) ? kE4M3NaN : encode(kE4M3, x, true, u24);
}
float e4m3_decode(uint8_t code) {
  if ((code & 0x7Fu) == 0x7Fu) return std::numeric_limits<float>::quiet_NaN();
  return decode(kE4M3, code);
}

uint8_t e5m2_encode_rtn(float x) {
  return std::isnan(x) ? kE5M2NaN : encode(kE5M2, x, false, 0);
}
uint8_t e5m2_encode_sr(float x, uint32_t u24) {
  return std::isnan(x) ? kE5M2NaN : encode(kE5M2, x, true, u24);
}
float e5m2_decode(uint8_t code) {
  const uint32_t mag = code & 0x7Fu;
  if (mag >= 0x7Cu) {
    if (mag == 0x7Cu)
      return (code & 0x80u) != 0 ? -std::numeric_limits<float>::infinity()
                                 : std::numeric_limits<float>::infinity();
    return std::numeric_limits<float>::quiet_NaN();
  }
  return decode(kE5M2, code);
}

uint8_t e8m0_from_exponent(int e) {
  const int code = e + kE8M0Bias;
  return static_cast<uint8_t>(code < 0 ? 0 : (code > 254 ? 254 : code));
}

float e8m0_decode(uint8_t code) {
  if (code == kE8M0NaN) return std::numeric_limits<float>::quiet_NaN();
  return std::ldexp(1.0f, static_cast<int>(code) - kE8M0Bias);
}

}  // namespace lps::quant
