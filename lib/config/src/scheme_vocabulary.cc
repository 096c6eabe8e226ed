#include <lps/config/scheme_vocabulary.h>

#include <array>

namespace lps::config {

namespace {
constexpr std::array<std::string_view, 9> kPresets{"bf16",  "fp8",       "mxfp4_rtn",  "mxfp4_sr", "quest_fwd",
                                                   "quartet", "quartet_sr", "nvfp4", "quartet2"};
constexpr std::array<std::string_view, 7> kFormats{"bf16", "fp8_e4m3", "fp8_e5m2", "mxfp4",
                                                   "nvfp4", "int4",     "int8"};
constexpr std::array<std::string_view, 2> kRoundings{"rtn", "sr"};
constexpr std::array<std::string_view, 5> kScales{"absmax", "absmax_3_4", "quest", "four_over_six", "ms_eden"};
constexpr std::array<int, 5> kHadamard{0, 16, 32, 64, 128};
}  // namespace

std::span<const std::string_view> scheme_preset_names() { return kPresets; }
std::span<const std::string_view> operand_formats() { return kFormats; }
std::span<const std::string_view> operand_roundings() { return kRoundings; }
std::span<const std::string_view> operand_scales() { return kScales; }
std::span<const int> hadamard_sizes() { return kHadamard; }

}  // namespace lps::config
