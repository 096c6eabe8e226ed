#include "yaml_reader.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <map>

#include "edit_distance.h"

namespace lps::config::detail {

namespace {

bool is_quoted(const YAML::Node& node) {
  return node.Tag() == "!";
}

std::string join(std::span<const std::string_view> words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) out += ", ";
    out += words[i];
  }
  return out;
}

std::optional<double> parse_real(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::general);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace

std::string child_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string index_path(const std::string& path, size_t index) {
  return fmt::format("{}[{}]", path, index);
}

SourceLoc loc_of(const YAML::Node& node) {
  if (!node.IsDefined()) return {};
  const YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  std::string text = node.Scalar();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return is_quoted(node) ? fmt::format("the quoted string '{}'", text) : fmt::format("'{}'", text);
}

void YamlReader::error(const YAML::Node& at, const std::string& path, std::string message) {
  if (!at.IsDefined() || at.IsNull()) {
    if (auto it = key_locs_.find(path); it != key_locs_.end())
      return error(it->second, path, std::move(message));
  }
  error(loc_of(at), path, std::move(message));
}

void YamlReader::error(SourceLoc at, const std::string& path, std::string message) {
  problems_.add(Diagnostic{file_, at.line, at.col, path, std::move(message)});
}

bool YamlReader::check_map(const YAML::Node& node, const std::string& path,
                           std::span<const std::string_view> allowed, std::string_view what) {
  if (!node.IsMap()) {
    error(node, path, fmt::format("expected {}, got {}", what, describe(node)));
    return false;
  }
  std::map<std::string, SourceLoc> seen;
  for (const auto& pair : node) {
    const YAML::Node& key = pair.first;
    if (!key.IsScalar()) {
      error(key, path, fmt::format("keys must be words, got {}", describe(key)));
      continue;
    }
    constexpr size_t kMaxShownKey = 64;  // a pathological key must not make a pathological message
    const std::string k =
        key.Scalar().size() > kMaxShownKey ? key.Scalar().substr(0, kMaxShownKey - 3) + "..." : key.Scalar();
    const SourceLoc where = loc_of(key);
    key_locs_.emplace(child_path(path, key.Scalar()), where);
    if (auto [it, inserted] = seen.emplace(key.Scalar(), where); !inserted) {
      error(where, child_path(path, k), fmt::format("duplicate key (first at line {})", it->second.line));
      continue;
    }
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key.Scalar();
    if (!known) {
      const std::string hint = did_you_mean(k, allowed);
      error(where, child_path(path, k),
            hint.empty() ? fmt::format("unknown key (allowed here: {})", join(allowed))
                         : fmt::format("unknown key{}", hint));
    }
  }
  return true;
}

bool YamlReader::require(const YAML::Node& map, std::string_view key, const std::string& path) {
  const YAML::Node value = map[std::string(key)];
  if (value.IsDefined() && !value.IsNull()) return true;
  if (value.IsDefined()) {
    error(value, child_path(path, key), "needs a value");
  } else {
    error(map, child_path(path, key), "is required");
  }
  return false;
}

std::optional<int64_t> YamlReader::integer(const YAML::Node& node, const std::string& path, int64_t lo,
                                           int64_t hi) {
  if (!node.IsScalar() || is_quoted(node)) {
    error(node, path, fmt::format("expected an integer, got {}", describe(node)));
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) {
    error(node, path, fmt::format("is too large: {}", text));
    return std::nullopt;
  }
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    error(node, path, fmt::format("expected an integer, got {}", describe(node)));
    return std::nullopt;
  }
  if (value < lo || value > hi) {
    error(node, path,
          hi == INT64_MAX ? fmt::format("must be at least {}, got {}", lo, value)
                          : fmt::format("must be between {} and {}, got {}", lo, hi, value));
    return std::nullopt;
  }
  return value;
}

std::optional<double> YamlReader::real(const YAML::Node& node, const std::string& path, double lo, double hi,
                                       bool lo_open, bool hi_open) {
  std::optional<double> value;
  if (node.IsScalar() && !is_quoted(node)) value = parse_real(node.Scalar());
  if (!value) {
    error(node, path, fmt::format("expected a number, got {}", describe(node)));
    return std::nullopt;
  }
  const bool below = lo_open ? *value <= lo : *value < lo;
  const bool above = hi_open ? *value >= hi : *value > hi;
  if (below || above) {
    error(node, path,
          fmt::format("must be in {}{}, {}{}, got {}", lo_open ? '(' : '[', number_text(lo), number_text(hi),
                      hi_open ? ')' : ']', number_text(*value)));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> YamlReader::boolean(const YAML::Node& node, const std::string& path) {
  if (node.IsScalar() && !is_quoted(node)) {
    if (node.Scalar() == "true") return true;
    if (node.Scalar() == "false") return false;
  }
  error(node, path, fmt::format("expected true or false, got {}", describe(node)));
  return std::nullopt;
}

std::optional<std::string> YamlReader::string(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) {
    error(node, path, fmt::format("expected a string, got {}", describe(node)));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<std::string> YamlReader::choice(const YAML::Node& node, const std::string& path,
                                              std::span<const std::string_view> choices,
                                              std::string_view what) {
  std::optional<std::string> text = string(node, path);
  if (!text) return std::nullopt;
  for (std::string_view c : choices) {
    if (c == *text) return text;
  }
  const std::string hint = did_you_mean(*text, choices);
  error(node, path,
        hint.empty() ? fmt::format("unknown {} '{}'; expected one of: {}", what, *text, join(choices))
                     : fmt::format("unknown {} '{}'{}", what, *text, hint));
  return std::nullopt;
}

std::optional<std::string> YamlReader::name(const YAML::Node& node, const std::string& path) {
  std::optional<std::string> text = string(node, path);
  if (!text) return std::nullopt;
  constexpr size_t kMaxName = 200;
  if (text->empty()) {
    error(node, path, "must not be empty");
    return std::nullopt;
  }
  if (text->size() > kMaxName) {
    error(node, path, fmt::format("is {} characters long; names are limited to {}", text->size(), kMaxName));
    return std::nullopt;
  }
  for (char c : *text) {
    if (c == '/' || c == '\\') {
      error(node, path, fmt::format("names may not contain '{}' (they become parts of file names)", c));
      return std::nullopt;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      error(node, path, "names may not contain control characters");
      return std::nullopt;
    }
  }
  return text;
}

std::optional<int64_t> YamlReader::token_count(const YAML::Node& node, const std::string& path, int64_t lo,
                                               int64_t hi) {
  std::optional<int64_t> value;
  if (node.IsScalar()) value = parse_count(node.Scalar());
  if (!value) {
    error(node, path,
          fmt::format("expected a token count such as 2000000, 20M or 1.5B, got {}", describe(node)));
    return std::nullopt;
  }
  if (*value < lo || *value > hi) {
    error(node, path,
          fmt::format("must be between {} and {}, got {}", with_commas(lo), with_commas(hi),
                      with_commas(*value)));
    return std::nullopt;
  }
  return value;
}

std::optional<std::vector<YAML::Node>> YamlReader::list(const YAML::Node& node, const std::string& path,
                                                        bool scalar_ok) {
  std::vector<YAML::Node> items;
  if (node.IsScalar() && scalar_ok) {
    items.push_back(node);
    return items;
  }
  if (!node.IsSequence()) {
    error(node, path, fmt::format("expected a list, got {}", describe(node)));
    return std::nullopt;
  }
  for (const auto& item : node) items.push_back(item);
  if (items.empty()) {
    error(node, path, "must not be empty");
    return std::nullopt;
  }
  return items;
}

std::optional<int64_t> parse_count(std::string_view text) {
  int64_t multiplier = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'K':
      case 'k': multiplier = 1'000; break;
      case 'M': multiplier = 1'000'000; break;
      case 'B':
      case 'G': multiplier = 1'000'000'000; break;
      case 'T': multiplier = 1'000'000'000'000; break;
      default: break;
    }
  }
  if (multiplier != 1) text.remove_suffix(1);
  if (text.empty() || text.front() == '-' || text.front() == '+') return std::nullopt;
  // Decimal digits exactly: "1.5" with M -> 1,500,000 (no binary rounding; counts above 2^53 stay exact).
  const size_t dot = text.find('.');
  const std::string_view int_part = text.substr(0, dot);
  const std::string_view frac_part =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  auto all_digits = [](std::string_view s) {
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if (all_digits(int_part) && all_digits(frac_part) && !(int_part.empty() && frac_part.empty())) {
    constexpr int64_t kMax = 9'000'000'000'000'000'000;
    int64_t whole = 0;
    for (char c : int_part) {
      if (whole > (kMax - (c - '0')) / 10) return std::nullopt;
      whole = whole * 10 + (c - '0');
    }
    if (whole > kMax / multiplier) return std::nullopt;
    int64_t value = whole * multiplier;
    int64_t place = multiplier;
    for (char c : frac_part) {
      if (c == '0' && place % 10 != 0) continue;  // trailing zeros below the unit are harmless
      if (place % 10 != 0) return std::nullopt;   // a fraction of a token
      place /= 10;
      value += (c - '0') * place;
    }
    return value;
  }
  // Scientific notation (2e6, 1.5e9), which must come out whole.
  const std::optional<double> real = parse_real(text);
  if (!real) return std::nullopt;
  const double value = *real * static_cast<double>(multiplier);
  if (value < 0 || value > 9.0e18 || value != std::floor(value)) return std::nullopt;
  return static_cast<int64_t>(value);
}

std::string with_commas(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

std::string number_text(double value) {
  return fmt::format("{}", value);
}

}  // namespace lps::config::detail
