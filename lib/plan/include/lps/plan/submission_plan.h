// The planning side of idempotent submission: a sweep's runs with their keys, and how they compare with
// the runs a store already holds. The store adds `added` and leaves everything else alone, so submitting
// the same sweep twice adds nothing and an edited sweep adds only its new runs.
#pragma once

#include <lps/config/sweep_spec.h>
#include <lps/plan/run_spec.h>

#include <set>
#include <string>
#include <vector>

namespace lps::plan {

struct PlannedRun {
  std::string key;    // run_key(spec)
  std::string label;  // run_label(spec)
  RunSpec spec;
};

// expand(sweep) with each run's key and label, in expansion order. Keys are unique (checked).
// Throws lps::UserInputError like expand().
[[nodiscard]] std::vector<PlannedRun> plan_sweep(const config::SweepSpec& sweep);

struct SubmissionDiff {
  std::vector<PlannedRun> added;     // planned, not in the store: to queue
  std::vector<PlannedRun> existing;  // planned and already in the store (any state): untouched
  std::vector<std::string> dropped;  // in the store for this sweep but no longer planned: kept, untouched
};

// Splits `planned` by whether its key is in `stored_keys` (the keys the store holds for this sweep), in
// planned order; `dropped` lists stored keys that are not planned, sorted.
[[nodiscard]] SubmissionDiff diff_with_store(const std::vector<PlannedRun>& planned,
                                             const std::set<std::string>& stored_keys);

}  // namespace lps::plan
