// The words a sweep may use for precision schemes (DESIGN.md §3, docs/sweep-spec.md).
//
// The preset names are repeated here (the definitions live in lps::quant::preset_scheme, which config
// may not use); tests/plan checks both lists agree.
#pragma once

#include <span>
#include <string_view>

namespace lps::config {

[[nodiscard]] std::span<const std::string_view> scheme_preset_names();   // bf16 fp8 ... quartet2
[[nodiscard]] std::span<const std::string_view> operand_formats();       // bf16 fp8_e4m3 ... int8
[[nodiscard]] std::span<const std::string_view> operand_roundings();     // rtn sr
[[nodiscard]] std::span<const std::string_view> operand_scales();        // absmax absmax_3_4 ...
[[nodiscard]] std::span<const int> hadamard_sizes();                     // 0 16 32 64 128

}  // namespace lps::config
