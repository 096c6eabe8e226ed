// schemes: — presets by name, or spelled out operand by operand (DESIGN.md §3).
#include <fmt/format.h>
#include <lps/config/scheme_vocabulary.h>

#include <array>
#include <map>
#include <set>

#include "section_parsers.h"

namespace lps::config::detail {

namespace {

constexpr std::array<std::string_view, 10> kSchemeKeys{"name",  "preset", "fwd",   "bwd",     "fwd_x",
                                                       "fwd_w", "bwd_dy", "bwd_w", "bwd_dyt", "bwd_xt"};
constexpr std::array<std::string_view, 6> kOperandKeys{"format",   "rounding",     "scale",
                                                       "hadamard", "random_signs", "trust_mask"};
constexpr std::array<std::string_view, 6> kOperandNames{"fwd_x", "fwd_w",   "bwd_dy",
                                                        "bwd_w", "bwd_dyt", "bwd_xt"};

OperandEntry* operand(SchemeEntry& s, size_t i) {
  std::array<OperandEntry*, 6> all{&s.fwd_x, &s.fwd_w, &s.bwd_dy, &s.bwd_w, &s.bwd_dyt, &s.bwd_xt};
  return all[i];
}

// Applies the keys given in `node` on top of `out`.
void apply_operand(YamlReader& r, const YAML::Node& node, const std::string& path, OperandEntry& out) {
  if (!r.check_map(node, path, kOperandKeys, "a mapping of format, rounding, scale, hadamard, ...")) return;
  if (const YAML::Node n = node["format"]; n.IsDefined()) {
    if (auto v = r.choice(n, child_path(path, "format"), operand_formats(), "format")) out.format = *v;
  }
  if (const YAML::Node n = node["rounding"]; n.IsDefined()) {
    if (auto v = r.choice(n, child_path(path, "rounding"), operand_roundings(), "rounding"))
      out.rounding = *v;
  }
  if (const YAML::Node n = node["scale"]; n.IsDefined()) {
    if (auto v = r.choice(n, child_path(path, "scale"), operand_scales(), "scale")) out.scale = *v;
  }
  if (const YAML::Node n = node["hadamard"]; n.IsDefined()) {
    const std::string p = child_path(path, "hadamard");
    if (auto v = r.integer(n, p, 0, 1 << 20)) {
      bool known = false;
      for (int size : hadamard_sizes()) known = known || size == *v;
      if (known) {
        out.hadamard = static_cast<int>(*v);
      } else {
        r.error(n, p, fmt::format("must be 0 (none), 16, 32, 64 or 128, got {}", *v));
      }
    }
  }
  if (const YAML::Node n = node["random_signs"]; n.IsDefined()) {
    if (auto v = r.boolean(n, child_path(path, "random_signs"))) out.random_signs = *v;
  }
  if (const YAML::Node n = node["trust_mask"]; n.IsDefined()) {
    if (auto v = r.boolean(n, child_path(path, "trust_mask"))) out.trust_mask = *v;
  }
}

// Rules that need the whole operand: reported at `at`.
// A group (fwd/bwd) shared by several operands reports each problem once: `reported` remembers them.
void check_operand(YamlReader& r, SourceLoc at, const std::string& path, const OperandEntry& o, bool forward,
                   std::set<std::string>& reported) {
  auto error = [&](std::string message) {
    if (reported.insert(path + "\n" + message).second) r.error(at, path, std::move(message));
  };
  const OperandEntry plain;
  if (o.format == "bf16" && (o.rounding != plain.rounding || o.scale != plain.scale || o.hadamard != 0 ||
                             o.random_signs || o.trust_mask)) {
    error(
        "format bf16 is not quantized; rounding, scale, hadamard, random_signs and trust_mask "
        "have no effect (remove them or pick a quantized format)");
  }
  if (std::string why = format_combination_problem(o.format, o.rounding, o.scale); !why.empty()) error(why);
  if (o.random_signs && o.hadamard == 0) {
    error("random_signs needs a Hadamard transform (set hadamard to 16, 32, 64 or 128)");
  }
  if (o.trust_mask && !forward) {
    error("trust_mask applies to forward operands (fwd_x, fwd_w) only");
  }
}

// Spelled out: fwd/bwd groups first, then each operand's own keys on top.
void parse_operands(YamlReader& r, const YAML::Node& node, const std::string& path, SchemeEntry& s) {
  OperandEntry fwd_group, bwd_group;
  std::set<std::string> reported;
  if (const YAML::Node n = node["fwd"]; n.IsDefined())
    apply_operand(r, n, child_path(path, "fwd"), fwd_group);
  if (const YAML::Node n = node["bwd"]; n.IsDefined())
    apply_operand(r, n, child_path(path, "bwd"), bwd_group);
  for (size_t i = 0; i < kOperandNames.size(); ++i) {
    const bool forward = i < 2;
    const std::string group = forward ? "fwd" : "bwd";
    const std::string key(kOperandNames[i]);
    OperandEntry* o = operand(s, i);
    *o = forward ? fwd_group : bwd_group;
    const YAML::Node own = node[key];
    if (own.IsDefined()) apply_operand(r, own, child_path(path, key), *o);
    const YAML::Node where = own.IsDefined() ? own : node[group];
    if (where.IsDefined()) {
      check_operand(r, loc_of(where), child_path(path, own.IsDefined() ? key : group), *o, forward, reported);
    }
  }
  // Both operands of a GEMM must be rotated alike for the transform to cancel in the product.
  constexpr std::array<std::pair<size_t, size_t>, 3> kGemmPairs{{{0, 1}, {2, 3}, {4, 5}}};
  for (auto [a, b] : kGemmPairs) {
    const OperandEntry& x = *operand(s, a);
    const OperandEntry& y = *operand(s, b);
    std::string differences;
    if (x.hadamard != y.hadamard) differences = fmt::format("hadamard {} vs {}", x.hadamard, y.hadamard);
    if (x.random_signs != y.random_signs) {
      differences += fmt::format("{}random_signs {} vs {}", differences.empty() ? "" : ", ", x.random_signs,
                                 y.random_signs);
    }
    if (!differences.empty()) {
      r.error(node, path,
              fmt::format("{} and {} are the two operands of one GEMM and need the same rotation ({})",
                          kOperandNames[a], kOperandNames[b], differences));
    }
  }
}

bool same_operands(const SchemeEntry& a, const SchemeEntry& b) {
  return a.fwd_x == b.fwd_x && a.fwd_w == b.fwd_w && a.bwd_dy == b.bwd_dy && a.bwd_w == b.bwd_w &&
         a.bwd_dyt == b.bwd_dyt && a.bwd_xt == b.bwd_xt;
}

bool parse_scheme_map(YamlReader& r, const YAML::Node& node, const std::string& path, SchemeEntry& s) {
  if (!r.check_map(node, path, kSchemeKeys, "a preset name or a mapping")) return false;
  const size_t errors_before = r.problems().size();
  const YAML::Node preset = node["preset"];
  if (const YAML::Node n = node["name"]; n.IsDefined()) {
    if (auto v = r.name(n, child_path(path, "name"))) s.name = *v;
  } else if (!preset.IsDefined()) {
    r.error(node, child_path(path, "name"), "is required for a spelled-out scheme");
  }
  if (preset.IsDefined()) {
    if (auto v = r.choice(preset, child_path(path, "preset"), scheme_preset_names(), "scheme preset")) {
      s.preset = *v;
      if (s.name.empty()) s.name = *v;
    }
    for (const auto& pair : node) {
      const std::string key = pair.first.IsScalar() ? pair.first.Scalar() : "";
      if (key != "name" && key != "preset" && !key.empty()) {
        bool known = false;
        for (std::string_view k : kSchemeKeys) known = known || k == key;
        if (known) {
          r.error(pair.first, child_path(path, key),
                  "cannot be combined with preset; spell the whole scheme out without 'preset' instead");
        }
      }
    }
    return r.problems().size() == errors_before;
  }
  bool any_operand = node["fwd"].IsDefined() || node["bwd"].IsDefined();
  for (std::string_view key : kOperandNames) any_operand = any_operand || node[std::string(key)].IsDefined();
  if (!any_operand) {
    r.error(node, path, "a spelled-out scheme needs operands (fwd, bwd or fwd_x ... bwd_xt) or a preset");
  }
  for (std::string_view p : scheme_preset_names()) {
    if (!s.name.empty() && s.name == p) {
      r.error(node["name"], child_path(path, "name"),
              fmt::format("'{}' is a preset's name; give a spelled-out scheme a name of its own", s.name));
    }
  }
  parse_operands(r, node, path, s);
  return r.problems().size() == errors_before;
}

}  // namespace

void parse_schemes(YamlReader& r, const YAML::Node& node, std::vector<SchemeEntry>& out) {
  const std::string path = "schemes";
  const std::optional<std::vector<YAML::Node>> items = r.list(node, path, /*scalar_ok=*/false);
  if (!items) return;
  std::map<std::string, size_t> names;
  std::vector<size_t> index_of;  // out[k] came from items[index_of[k]]
  for (size_t i = 0; i < items->size(); ++i) {
    const YAML::Node& item = (*items)[i];
    const std::string ip = index_path(path, i);
    SchemeEntry s;
    s.loc = loc_of(item);
    if (item.IsScalar()) {
      const std::optional<std::string> v = r.choice(item, ip, scheme_preset_names(), "scheme preset");
      if (!v) continue;
      s.name = s.preset = *v;
    } else if (!parse_scheme_map(r, item, ip, s)) {
      continue;
    }
    if (auto [it, inserted] = names.emplace(s.name, i); !inserted) {
      r.error(s.loc, ip,
              fmt::format("duplicate scheme name '{}' (first at {})", s.name, index_path(path, it->second)));
      continue;
    }
    bool duplicate = false;
    for (size_t k = 0; k < out.size() && !duplicate; ++k) {
      if (out[k].preset == s.preset && (!s.preset.empty() || same_operands(out[k], s))) {
        r.error(s.loc, ip,
                fmt::format("'{}' is the same scheme as {} ('{}'); their runs would be identical", s.name,
                            index_path(path, index_of[k]), out[k].name));
        duplicate = true;
      }
    }
    if (duplicate) continue;
    index_of.push_back(i);
    out.push_back(std::move(s));
  }
}

}  // namespace lps::config::detail
