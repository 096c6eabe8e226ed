#include <lps/core/error.h>
#include <lps/plan/expand.h>
#include <lps/plan/run_key.h>
#include <lps/plan/submission_plan.h>

namespace lps::plan {

std::vector<PlannedRun> plan_sweep(const config::SweepSpec& sweep) {
  std::vector<PlannedRun> out;
  std::set<std::string> keys;
  for (RunSpec& spec : expand(sweep)) {
    PlannedRun run{run_key(spec), run_label(spec), std::move(spec)};
    // expand() already refuses duplicate models, schemes, seeds and budgets, so keys cannot repeat.
    LPS_CHECK(keys.insert(run.key).second, "two planned runs share the key {} ({})", run.key, run.label);
    out.push_back(std::move(run));
  }
  return out;
}

SubmissionDiff diff_with_store(const std::vector<PlannedRun>& planned,
                               const std::set<std::string>& stored_keys) {
  SubmissionDiff diff;
  std::set<std::string> planned_keys;
  for (const PlannedRun& run : planned) {
    planned_keys.insert(run.key);
    (stored_keys.count(run.key) ? diff.existing : diff.added).push_back(run);
  }
  for (const std::string& key : stored_keys) {
    if (!planned_keys.count(key)) diff.dropped.push_back(key);
  }
  return diff;
}

}  // namespace lps::plan
