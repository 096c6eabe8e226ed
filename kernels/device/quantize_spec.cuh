// Compile-time view of a QuantizeParams' options. A specialised kernel fixes each option as a template
// argument (the pipeline's branches on it fold away); kAny reads it from the params at run time (the generic
// kernel). The pipeline asks S::format(p), S::rule(p), ... instead of reading p directly.
#pragma once

#include <lps/kernels/quantize.h>

#include "quantize_variants.h"

namespace lps::kernels::device {

inline constexpr int kAny = -1;

template <int kFormat, int kRule, int kRounding, int kOutput, int kOutDType, int kSigns, int kMask>
struct QuantSpec {
  static constexpr bool kAllFixed = kFormat != kAny && kRule != kAny && kRounding != kAny && kOutput != kAny &&
                                    kOutDType != kAny && kSigns != kAny && kMask != kAny;

  __device__ __forceinline__ static QFormat format(const QuantizeParams& p) {
    if constexpr (kFormat == kAny) return p.format; else return static_cast<QFormat>(kFormat);
  }
  __device__ __forceinline__ static QScaleRule rule(const QuantizeParams& p) {
    if constexpr (kRule == kAny) return p.scale_rule; else return static_cast<QScaleRule>(kRule);
  }
  __device__ __forceinline__ static QRounding rounding(const QuantizeParams& p) {
    if constexpr (kRounding == kAny) return p.rounding; else return static_cast<QRounding>(kRounding);
  }
  __device__ __forceinline__ static QOutput output(const QuantizeParams& p) {
    if constexpr (kOutput == kAny) return p.output; else return static_cast<QOutput>(kOutput);
  }
  __device__ __forceinline__ static OutDType out_dtype(const QuantizeParams& p) {
    if constexpr (kOutDType == kAny) return p.out_dtype; else return static_cast<OutDType>(kOutDType);
  }
  __device__ __forceinline__ static bool signs(const QuantizeParams& p) {
    if constexpr (kSigns == kAny) return p.random_signs; else return kSigns != 0;
  }
  __device__ __forceinline__ static bool mask(const QuantizeParams& p) {
    if constexpr (kMask == kAny) return p.mask != nullptr; else return kMask != 0;
  }
};

using GenericSpec = QuantSpec<kAny, kAny, kAny, kAny, kAny, kAny, kAny>;

// The tensor-absmax pass only rotates: its kernels depend on the signs alone.
template <int kSigns>
using AmaxSpec = QuantSpec<kAny, kAny, kAny, kAny, kAny, kSigns, kAny>;

// The spec of variants::kVariants[I].
template <std::size_t I>
using VariantSpec =
    QuantSpec<static_cast<int>(variants::kVariants[I].format), static_cast<int>(variants::kVariants[I].rule),
              static_cast<int>(variants::kVariants[I].rounding), static_cast<int>(variants::kVariants[I].output),
              static_cast<int>(variants::kVariants[I].out_dtype), variants::kVariants[I].signs ? 1 : 0,
              variants::kVariants[I].mask ? 1 : 0>;

}  // namespace lps::kernels::device
