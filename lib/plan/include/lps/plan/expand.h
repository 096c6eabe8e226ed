// Grid expansion: a validated SweepSpec -> one RunSpec per (model, token budget, scheme, seed).
#pragma once

#include <lps/config/sweep_spec.h>
#include <lps/plan/run_spec.h>

#include <vector>

namespace lps::plan {

// The sweep's runs in a fixed order: models as listed × budgets by increasing D × schemes as listed ×
// seeds as listed. The same SweepSpec always gives the same vector.
//
// Each budget is rounded to a whole number of optimizer steps (batch_seqs·seq_len tokens, nearest, so
// RunSpec::tokens is exactly what is trained); a model's budgets that round to the same D are kept once.
// tokens_per_param budgets use D = ratio·N. Throws lps::UserInputError, pointing at the budget in the sweep
// file, when a budget rounds to less than one step.
[[nodiscard]] std::vector<RunSpec> expand(const config::SweepSpec& sweep);

}  // namespace lps::plan
