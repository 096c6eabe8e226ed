// The words a sweep may use for precision schemes (DESIGN.md §3, docs/sweep-spec.md).
//
// The preset names are repeated here (the definitions live in lps::quant::preset_scheme, which config
// may not use); tests/plan checks both lists agree.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace lps::config {

[[nodiscard]] std::span<const std::string_view> scheme_preset_names();  // bf16 fp8 ... quartet2
[[nodiscard]] std::span<const std::string_view> operand_formats();      // bf16 fp8_e4m3 ... int8
[[nodiscard]] std::span<const std::string_view> operand_roundings();    // rtn sr
[[nodiscard]] std::span<const std::string_view> operand_scales();       // absmax absmax_3_4 ...
[[nodiscard]] std::span<const int> hadamard_sizes();                    // 0 16 32 64 128

// Why a quantized format cannot take this rounding and scale ("" when it can): the combination rules of
// lps::quant::operand_problems, repeated so a sweep is refused before any run starts (tests/plan checks
// both agree on every combination).
[[nodiscard]] std::string format_combination_problem(std::string_view format, std::string_view rounding,
                                                     std::string_view scale);

}  // namespace lps::config
