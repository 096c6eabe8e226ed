// "Did you mean" support: Levenshtein distance and the closest of a few known words.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace lps::config::detail {

[[nodiscard]] int edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` if it is close enough to be a plausible typo (distance at most
// max(2, |word|/3), compared case-insensitively), else "".
[[nodiscard]] std::string closest_match(std::string_view word, std::span<const std::string_view> candidates);

// " (did you mean 'x'?)" or "" when nothing is close.
[[nodiscard]] std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace lps::config::detail
