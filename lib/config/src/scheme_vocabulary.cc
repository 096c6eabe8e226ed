#include <lps/config/scheme_vocabulary.h>

#include <array>

namespace lps::config {

namespace {
constexpr std::array<std::string_view, 9> kPresets{
    "bf16", "fp8", "mxfp4_rtn", "mxfp4_sr", "quest_fwd", "quartet", "quartet_sr", "nvfp4", "quartet2"};
constexpr std::array<std::string_view, 7> kFormats{"bf16",  "fp8_e4m3", "fp8_e5m2", "mxfp4",
                                                   "nvfp4", "int4",     "int8"};
constexpr std::array<std::string_view, 2> kRoundings{"rtn", "sr"};
constexpr std::array<std::string_view, 7> kScales{"absmax",  "absmax_3_4",  "quest",     "four_over_six",
                                                  "ms_eden", "quest_floor", "quest_fp32"};
constexpr std::array<int, 5> kHadamard{0, 16, 32, 64, 128};
}  // namespace

std::span<const std::string_view> scheme_preset_names() {
  return kPresets;
}
std::span<const std::string_view> operand_formats() {
  return kFormats;
}
std::span<const std::string_view> operand_roundings() {
  return kRoundings;
}
std::span<const std::string_view> operand_scales() {
  return kScales;
}
std::span<const int> hadamard_sizes() {
  return kHadamard;
}

std::string format_combination_problem(std::string_view format, std::string_view rounding,
                                       std::string_view scale) {
  const std::string rule(scale);
  if (format == "bf16") return {};
  if (format == "int4" || format == "int8")
    return "int4 and int8 are not implemented; use mxfp4, nvfp4, fp8_e4m3 or fp8_e5m2";
  const bool nvfp4_only = scale == "four_over_six" || scale == "ms_eden";
  if (format == "mxfp4" && nvfp4_only) {
    return "scale " + rule +
           " needs format nvfp4 (E4M3 block scales); mxfp4 takes absmax, absmax_3_4, quest, "
           "quest_floor or quest_fp32";
  }
  if (format == "nvfp4" && scale != "absmax" && !nvfp4_only) {
    return "scale " + rule + " is not defined for nvfp4; use absmax, four_over_six or ms_eden";
  }
  if ((format == "fp8_e4m3" || format == "fp8_e5m2") && scale != "absmax") {
    return "fp8 formats are scaled tensorwise by absmax; scale " + rule + " is not available";
  }
  if (nvfp4_only && rounding == "sr")
    return "scale " + rule + " rounds values to nearest (its own rules); use rounding rtn";
  return {};
}

}  // namespace lps::config
