// Fuzz target: sweep files. See fuzz_targets.h.
#include <fmt/format.h>
#include <lps/config/load_sweep.h>
#include <lps/core/diagnostic.h>
#include <lps/plan/expand.h>

#include <exception>
#include <filesystem>

#include "fuzz_targets.h"

namespace lps::fuzz {
namespace {

constexpr const char* kFile = "fuzz/sweep.yaml";

// Every problem of a rejection names the file and a place in it (STYLE.md §6).
std::optional<std::string> unlocated(const UserInputError& e, const char* stage) {
  if (e.problems().empty()) return fmt::format("{}: UserInputError without problems: {}", stage, e.what());
  for (const Diagnostic& d : e.problems()) {
    if (d.file != kFile || d.line < 1 || d.col < 1 || d.message.empty()) {
      return fmt::format("{}: a problem without file:line:col: '{}' (file '{}', line {}, col {})", stage, d.str(),
                         d.file, d.line, d.col);
    }
  }
  return std::nullopt;
}

// What load_sweep.h and sweep_spec.h promise about an accepted sweep.
std::optional<std::string> broken_promise(const config::SweepSpec& s) {
  namespace fs = std::filesystem;
  if (s.name.empty() || s.name.size() > 200) return fmt::format("accepted a name of {} characters", s.name.size());
  for (char c : s.name) {
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return "accepted a name with '/', '\\' or a control character";
  }
  if (!fs::path(s.store).is_absolute() || !fs::path(s.output).is_absolute()) return "store or output is not absolute";
  if (s.store == s.output) return "store equals output";
  if (s.models.empty() || s.schemes.empty() || s.seeds.empty()) return "an empty grid axis was accepted";
  if (s.tokens.counts.empty() && s.tokens.per_param.empty()) return "no token budget was accepted";
  for (const auto& m : s.models) {
    if (m.n_layers < 1 || m.d_model < 1 || m.n_heads < 1 || m.head_dim < 1 || m.d_ff < 1 || m.seq_len < 1) {
      return fmt::format("model '{}' has a non-positive shape field", m.name);
    }
  }
  const auto budgets = static_cast<int64_t>(s.tokens.counts.size() + s.tokens.per_param.size());
  const int64_t runs = static_cast<int64_t>(s.models.size()) * budgets * static_cast<int64_t>(s.schemes.size()) *
                       static_cast<int64_t>(s.seeds.size());
  if (runs > s.max_runs) return fmt::format("accepted {} runs, more than max_runs {}", runs, s.max_runs);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> sweep_parser_finding(std::string_view input) {
  config::LoadOptions options;
  options.check_data_paths = false;  // no file system walks (globs) while fuzzing
  config::SweepSpec spec;
  try {
    spec = config::load_sweep_string(input, kFile, options);
  } catch (const UserInputError& e) {
    return unlocated(e, "load_sweep_string");
  } catch (const std::exception& e) {
    return fmt::format("load_sweep_string threw something other than UserInputError: {}", e.what());
  }
  if (auto broken = broken_promise(spec)) return broken;
  try {
    const auto runs = plan::expand(spec);
    if (runs.empty()) return "plan::expand gave no runs for an accepted sweep";
    if (static_cast<int64_t>(runs.size()) > spec.max_runs) return "plan::expand gave more runs than max_runs";
  } catch (const UserInputError& e) {
    return unlocated(e, "plan::expand");
  } catch (const std::exception& e) {
    return fmt::format("plan::expand threw something other than UserInputError: {}", e.what());
  }
  return std::nullopt;
}

}  // namespace lps::fuzz
