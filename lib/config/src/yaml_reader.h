// YamlReader: typed, validated access to a yaml-cpp tree that records every problem as a Diagnostic
// (`file:line:col: key.path: message`) instead of throwing, so one pass reports all of them.
//
// Each accessor returns std::nullopt after recording a problem; callers keep their default and go on.
#pragma once

#include <lps/config/sweep_spec.h>
#include <lps/core/diagnostic.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lps::config::detail {

// "a" + "b" -> "a.b"; "a" + 2 -> "a[2]".
[[nodiscard]] std::string child_path(const std::string& path, std::string_view key);
[[nodiscard]] std::string index_path(const std::string& path, size_t index);

// Location of a node (1-based), {0,0} when the node has none.
[[nodiscard]] SourceLoc loc_of(const YAML::Node& node);

// The scalar's text for messages: 'abc', or "a list" / "a mapping" / "nothing".
[[nodiscard]] std::string describe(const YAML::Node& node);

class YamlReader {
 public:
  YamlReader(std::string file, DiagnosticList& problems) : file_(std::move(file)), problems_(problems) {}

  void error(const YAML::Node& at, const std::string& path, std::string message);
  void error(SourceLoc at, const std::string& path, std::string message);
  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] DiagnosticList& problems() { return problems_; }

  // A mapping whose keys are all in `allowed` (unknown ones reported with "did you mean"), each once.
  // Returns false (after reporting) when `node` is not a mapping.
  bool check_map(const YAML::Node& node, const std::string& path, std::span<const std::string_view> allowed,
                 std::string_view what = "a mapping");
  // A present, non-null value at `key` of `map`; reports "is required" at the map otherwise.
  bool require(const YAML::Node& map, std::string_view key, const std::string& path);

  [[nodiscard]] std::optional<int64_t> integer(const YAML::Node& node, const std::string& path, int64_t lo,
                                               int64_t hi);
  // A real number in [lo, hi]; lo_open/hi_open make that end exclusive.
  [[nodiscard]] std::optional<double> real(const YAML::Node& node, const std::string& path, double lo,
                                           double hi, bool lo_open = false, bool hi_open = false);
  [[nodiscard]] std::optional<bool> boolean(const YAML::Node& node, const std::string& path);
  [[nodiscard]] std::optional<std::string> string(const YAML::Node& node, const std::string& path);
  // A string from a fixed vocabulary; `what` names it in the message ("format", "rounding", ...).
  [[nodiscard]] std::optional<std::string> choice(const YAML::Node& node, const std::string& path,
                                                  std::span<const std::string_view> choices,
                                                  std::string_view what);
  // A name for a sweep, model or scheme: 1..200 characters, no '/', '\' or control characters; any other
  // text (quotes, semicolons, SQL) is kept verbatim.
  [[nodiscard]] std::optional<std::string> name(const YAML::Node& node, const std::string& path);
  // A token count: an integer, or a number with a K/M/B/T suffix (20M, 1.5B) that comes out whole.
  [[nodiscard]] std::optional<int64_t> token_count(const YAML::Node& node, const std::string& path,
                                                   int64_t lo, int64_t hi);
  // The elements of a list, or of a lone scalar taken as a one-element list when `scalar_ok`;
  // reports an empty list as "must not be empty". nullopt when reported.
  [[nodiscard]] std::optional<std::vector<YAML::Node>> list(const YAML::Node& node, const std::string& path,
                                                            bool scalar_ok);

 private:
  std::string file_;
  DiagnosticList& problems_;
  // Where each checked mapping key was written, by key path: an empty value (`data:`) has no useful place
  // of its own (the parser marks the next token), so its problems point at its key.
  std::map<std::string, SourceLoc> key_locs_;
};

// Parses "20M", "1.5B", "1000", "2e6" into a whole count; nullopt when not a whole non-negative number.
[[nodiscard]] std::optional<int64_t> parse_count(std::string_view text);
// Formats a count compactly for messages: 2048 -> "2,048".
[[nodiscard]] std::string with_commas(int64_t value);
// Shortest round-trip text of a double, for messages.
[[nodiscard]] std::string number_text(double value);

}  // namespace lps::config::detail
