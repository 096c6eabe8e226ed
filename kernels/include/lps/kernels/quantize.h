// The fused quantizer: rotate (random signs, then block Hadamard) → scale → quantize → pack codes and
// scales | dequantize | emit MXFP4 as E4M3 with 1×128 block scales → trust mask, in one pass over a
// row-major matrix x [rows, cols]:
//   QAxis::kRows — groups of consecutive elements of a row; the operand is x itself, [rows, K = cols];
//   QAxis::kCols — groups of consecutive elements of a column; the operand is xᵀ, [cols, K = rows], and every
//                  output is written in that transposed, K-major layout (what the backward GEMMs need) —
//                  x is never transposed in memory.
// Every output bit follows the plain C++ reference (lps/quant/quantizer.h: scale rules, special values,
// the counter-based SR hash); tests/kernels compares codes, scales and masks bit for bit.
// Raw pointers + stream; no torch.
#pragma once

#include <lps/kernels/stream.h>

#include <cstdint>

namespace lps::kernels {

enum class InDType : uint8_t { kF32, kBf16 };
enum class QFormat : uint8_t { kMxfp4, kNvfp4, kFp8E4M3, kFp8E5M2 };
enum class QRounding : uint8_t { kRtn, kSr };
enum class QScaleRule : uint8_t { kAbsmax, kAbsmax34, kQuest, kQuestFloor, kQuestFp32, kFourOverSix, kMsEden };
enum class QAxis : uint8_t { kRows, kCols };
enum class QOutput : uint8_t {
  kPacked,       // codes (FP4: two per byte; FP8: one byte) + per-group scales (+ tensor scale)
  kDequantized,  // the dequantised values (rotated domain, without the absmax_3_4 factor)
  kFp8Blocks,    // MXFP4 only: E4M3 bytes + FP32 scale per 1×128 block (cuBLASLt block-scaled FP8 GEMM)
};
enum class OutDType : uint8_t { kF32, kBf16 };

struct QuantizeParams {
  // ---- input -------------------------------------------------------------------------------------
  const void* x = nullptr;   // [rows, cols] row-major, 16-byte aligned
  InDType in_dtype = InDType::kF32;
  int64_t rows = 0;
  int64_t cols = 0;
  // ---- what to do --------------------------------------------------------------------------------
  QFormat format = QFormat::kMxfp4;
  QRounding rounding = QRounding::kRtn;
  QScaleRule scale_rule = QScaleRule::kAbsmax;
  QAxis axis = QAxis::kRows;
  QOutput output = QOutput::kPacked;
  int hadamard = 0;            // 0 or 16 | 32 | 64 | 128, along K
  bool random_signs = false;   // x[k] · random_sign(sign_key, k), applied before the Hadamard transform
  // Keys of the counter-based generator (lps/quant/counter_rng.h derive_key, computed on the host). SR of
  // element (row, k) of the [out_rows, K] operand draws uniform24(sr_key, row·K + k); MS-EDEN's scale SR
  // draws uniform24(sr_key, row·(K/16) + block).
  uint64_t sr_key = 0;
  uint64_t sign_key = 0;
  // ---- outputs, all in the operand's [out_rows, K] layout (out_rows = rows for kRows, cols for kCols) --
  uint8_t* codes = nullptr;          // kPacked: FP4 [out_rows, K/2] (element 2j in the low nibble),
                                     //          FP8 [out_rows, K]; kFp8Blocks: E4M3 [out_rows, K]
  uint8_t* scales = nullptr;         // kPacked: MXFP4 E8M0 [out_rows, K/32]; NVFP4 E4M3 [out_rows, K/16]
  float* fp32_scales = nullptr;      // kPacked + quest_fp32: [out_rows, K/32]
  float* tensor_scale = nullptr;     // optional [1]: NVFP4 T, FP8 decode scale (written by the kernel)
  float* block_scales = nullptr;     // kFp8Blocks: [K/128, out_rows] FP32 (outer-dim-major, as cuBLASLt)
  int32_t* inexact_blocks = nullptr; // kFp8Blocks, optional [1]: += number of 1×128 blocks not exact in E4M3
  void* dequantized = nullptr;       // kDequantized: [out_rows, K] in `out_dtype`
  OutDType out_dtype = OutDType::kF32;
  uint8_t* mask = nullptr;           // optional trust mask [out_rows, K], 1 = trusted (not clipped)
  float* workspace = nullptr;        // NVFP4 / FP8: [1] float scratch for the tensor absmax (we zero it)
  // ---- which kernel --------------------------------------------------------------------------------
  // The launcher runs a compile-time-specialised kernel where one is instantiated for these options
  // (kernels/device/quantize_variants.h) and the positions fit 32 bits, else the generic kernel (options read
  // at run time, 64-bit positions). Both give the same bits; tests set this to compare them.
  bool force_generic = false;
};

// Checks shapes, alignment and the combination of options, then launches on `stream` (two launches for
// NVFP4 and FP8: the tensor absmax first). Returns {false, what} without launching when params are invalid.
LaunchStatus quantize(const QuantizeParams& params, Stream stream);

// nullptr when the kernels cover `params` (pointers aside), else why not — lets callers fall back.
[[nodiscard]] const char* quantize_unsupported(const QuantizeParams& params);

// Whether quantize(params) runs a compile-time-specialised kernel (its options in the table of
// kernels/device/quantize_variants.h, positions within 32 bits, force_generic unset) rather than the generic
// one. Both give the same bits; the specialised ones are the fast path (docs/KERNELS.md).
[[nodiscard]] bool quantize_is_specialised(const QuantizeParams& params);

// E4M3 encoding of MXFP4 (QOutput::kFp8Blocks): element = e2m1 · 2^(e_group − e_block + kFp8BlockShift),
// block scale 2^(e_block − kFp8BlockShift), e_block = the largest group exponent of the 1×128 block (groups
// with a nonzero code). Exact iff every such group has e_block − e_group <= kFp8MaxExactSpan and none is
// NaN; other blocks are counted in inexact_blocks and the caller must not use the encoding.
inline constexpr int kFp8BlockShift = 6;      // 6 · 2^6 = 384 <= 448
inline constexpr int kFp8MaxExactSpan = 14;   // 0.5 · 2^(6-14) = 2^-9, E4M3's smallest subnormal
inline constexpr int kFp8BlockSize = 128;

}  // namespace lps::kernels
