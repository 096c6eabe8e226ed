// quantize(): validates a QuantizeParams, then launches the row or column kernel on the caller's stream
// (after zeroing the tensor-absmax workspace for NVFP4 and FP8).
#include "quantize_launch.h"

#include <lps/kernels/cuda_check.h>
#include <lps/kernels/quantize.h>

#include <cuda_runtime.h>

namespace lps::kernels {
namespace {

constexpr int kMxGroup = 32;
constexpr int kNvGroup = 16;
constexpr int kVec = 8;

bool is_fp4(QFormat f) { return f == QFormat::kMxfp4 || f == QFormat::kNvfp4; }
bool needs_amax(QFormat f) { return f != QFormat::kMxfp4; }
bool aligned16(const void* ptr) { return (reinterpret_cast<uintptr_t>(ptr) & 15u) == 0; }

int64_t group_size(QFormat f) {
  switch (f) {
    case QFormat::kMxfp4: return kMxGroup;
    case QFormat::kNvfp4: return kNvGroup;
    default: return kVec;  // tensorwise formats: the kernels' 8-element unit
  }
}

int64_t k_of(const QuantizeParams& p) { return p.axis == QAxis::kRows ? p.cols : p.rows; }

bool is_mx_rule(QScaleRule r) {
  return r == QScaleRule::kAbsmax || r == QScaleRule::kAbsmax34 || r == QScaleRule::kQuest ||
         r == QScaleRule::kQuestFloor || r == QScaleRule::kQuestFp32;
}
bool is_nv_rule(QScaleRule r) {
  return r == QScaleRule::kAbsmax || r == QScaleRule::kFourOverSix || r == QScaleRule::kMsEden;
}

// Pointers are checked separately (validate_pointers): this is what the kernels can compute at all.
const char* validate_spec(const QuantizeParams& p) {
  if (p.rows <= 0 || p.cols <= 0) return "quantize: rows and cols must be positive";
  if (p.hadamard != 0 && p.hadamard != 16 && p.hadamard != 32 && p.hadamard != 64 && p.hadamard != 128)
    return "quantize: hadamard must be 0, 16, 32, 64 or 128";
  const int64_t K = k_of(p);
  if (K % kVec != 0 || K % group_size(p.format) != 0)
    return "quantize: K (the grouping axis) must be a multiple of the group size and of 8";
  if (p.hadamard != 0 && K % p.hadamard != 0) return "quantize: K must be a multiple of the Hadamard block size";
  if (p.axis == QAxis::kRows && (p.cols % kVec) != 0) return "quantize: cols must be a multiple of 8";
  constexpr int64_t kMaxGridY = 65535;  // the column kernel's row tiles of 128
  if (p.axis == QAxis::kCols && (p.rows + 127) / 128 > kMaxGridY) return "quantize: too many rows for the column kernel";
  switch (p.format) {
    case QFormat::kMxfp4:
      if (!is_mx_rule(p.scale_rule)) return "quantize: MXFP4 takes absmax, absmax_3_4 or the quest rules";
      break;
    case QFormat::kNvfp4:
      if (!is_nv_rule(p.scale_rule)) return "quantize: NVFP4 takes absmax, four_over_six or ms_eden";
      if (p.rounding == QRounding::kSr && p.scale_rule != QScaleRule::kAbsmax)
        return "quantize: four_over_six and ms_eden round elements to nearest";
      break;
    case QFormat::kFp8E4M3:
    case QFormat::kFp8E5M2:
      if (p.scale_rule != QScaleRule::kAbsmax) return "quantize: FP8 formats take the (tensorwise) absmax rule";
      break;
  }
  if (p.output == QOutput::kFp8Blocks) {
    if (p.format != QFormat::kMxfp4 || p.scale_rule == QScaleRule::kQuestFp32)
      return "quantize: the E4M3 1x128 block encoding is for MXFP4 with E8M0 scales";
    if (K % kFp8BlockSize != 0) return "quantize: the E4M3 1x128 block encoding needs K % 128 == 0";
  }
  return nullptr;
}

const char* validate_pointers(const QuantizeParams& p) {
  if (p.x == nullptr || !aligned16(p.x)) return "quantize: x is null or not 16-byte aligned";
  if (p.mask != nullptr && (reinterpret_cast<uintptr_t>(p.mask) & 7u) != 0) return "quantize: mask must be 8-byte aligned";
  if (needs_amax(p.format) && p.workspace == nullptr) return "quantize: NVFP4 and FP8 need a 1-float workspace";
  switch (p.output) {
    case QOutput::kPacked:
      if (p.codes == nullptr || !aligned16(p.codes)) return "quantize: packed output needs 16-byte aligned codes";
      if (p.format == QFormat::kMxfp4 && p.scale_rule == QScaleRule::kQuestFp32 && p.fp32_scales == nullptr)
        return "quantize: quest_fp32 packed output needs fp32_scales";
      if (is_fp4(p.format) && p.scale_rule != QScaleRule::kQuestFp32 && p.scales == nullptr)
        return "quantize: packed FP4 output needs scales";
      break;
    case QOutput::kDequantized:
      if (p.dequantized == nullptr || !aligned16(p.dequantized)) return "quantize: dequantized output null or unaligned";
      break;
    case QOutput::kFp8Blocks:
      if (p.codes == nullptr || !aligned16(p.codes) || p.block_scales == nullptr)
        return "quantize: fp8-block output needs aligned codes and block scales";
      break;
  }
  return nullptr;
}

// The current device's SM count (cached per thread and device).
LaunchStatus current_sm_count(int* sms) {
  int device = 0;
  if (auto st = status_from_cuda(cudaGetDevice(&device)); !st.ok) return st;
  static thread_local int cached_device = -1;
  static thread_local int cached_sms = 0;
  if (device != cached_device) {
    if (auto st = status_from_cuda(cudaDeviceGetAttribute(&cached_sms, cudaDevAttrMultiProcessorCount, device));
        !st.ok)
      return st;
    cached_device = device;
  }
  *sms = cached_sms;
  return {};
}

}  // namespace

const char* quantize_unsupported(const QuantizeParams& p) { return validate_spec(p); }

LaunchStatus quantize(const QuantizeParams& p, Stream stream) {
  if (const char* problem = validate_spec(p)) return {false, problem};
  if (const char* problem = validate_pointers(p)) return {false, problem};
  int sms = 0;
  if (auto st = current_sm_count(&sms); !st.ok) return st;
  if (needs_amax(p.format)) {
    if (auto st = status_from_cuda(cudaMemsetAsync(p.workspace, 0, sizeof(float), stream)); !st.ok) return st;
  }
  if (p.axis == QAxis::kRows) {
    launch_quantize_rows(p, sms, stream);
  } else {
    launch_quantize_cols(p, stream);
  }
  return last_launch_status();
}

bool quantize_is_specialised(const QuantizeParams& p) {
  if (validate_spec(p) != nullptr) return false;
  if (p.axis == QAxis::kCols) return cols_variant(p) >= 0;
  int sms = 0;
  if (!current_sm_count(&sms).ok) return false;
  return rows_variant(p, sms) >= 0;
}

}  // namespace lps::kernels
