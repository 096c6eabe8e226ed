// RunSpec <-> JSON, for the store (what a worker claims) and exports. Exact round trip:
// run_spec_from_json(to_json(s)) == s for every RunSpec (doubles are written in shortest round-trip form).
#pragma once

#include <lps/plan/run_spec.h>

#include <string>
#include <string_view>

namespace lps::plan {

// One JSON object, keys in a fixed order, no whitespace.
[[nodiscard]] std::string to_json(const RunSpec& spec);

// Fields missing from `json` keep their RunSpec defaults (older rows stay readable after RunSpec grows);
// unknown fields are ignored. Throws lps::IoError naming the field when the text is not JSON or a field
// has the wrong type.
[[nodiscard]] RunSpec run_spec_from_json(std::string_view json);

}  // namespace lps::plan
