// RunKey: the identity of a run. SHA-256 of its canonical form, so the same run gets the same key on any
// machine, and submitting a sweep twice (or an edited sweep) adds only runs not already in the store.
#pragma once

#include <lps/plan/run_spec.h>

#include <string>

namespace lps::plan {

// One `field=value` line per field, in a fixed order, first line "lps-run/1". Holds every field of the
// RunSpec except those that cannot change what the run produces: log_every_steps, checkpoint (interval,
// keep), retry (attempts, backoff) and data.root. Data paths are written relative to data.root when they
// lie inside it. Numbers: integers in decimal, doubles in their shortest round-trip form.
[[nodiscard]] std::string canonical_form(const RunSpec& spec);

// Lower-case hex SHA-256 of canonical_form(spec): 64 characters.
[[nodiscard]] std::string run_key(const RunSpec& spec);

// For people: "<model>_D<tokens>_<scheme>_s<seed>", e.g. "tiny-s_D2.0M_quartet_s0". Not unique in general
// (the key is); D prints as 950K, 2.0M, 1.5B.
[[nodiscard]] std::string run_label(const RunSpec& spec);

}  // namespace lps::plan
