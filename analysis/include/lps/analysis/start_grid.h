// A multi-start grid: the cartesian product of a list of values per named parameter, in axis order
// (the last axis varies fastest, like Python's itertools.product). Parameters not on any axis start at
// the law's default start value.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lps::analysis {

struct StartGrid {
  std::vector<std::pair<std::string, std::vector<double>>> axes;  // (parameter name, start values)

  // Number of starts: the product of the axis lengths (1 for an empty grid: one start at the defaults).
  [[nodiscard]] size_t size() const;
  // Values of start `index` (0 <= index < size()), one per axis, in axis order.
  [[nodiscard]] std::vector<double> start(size_t index) const;
};

// Quartet (arXiv 2505.14669) stage 1: a∈{0,5,10}, α∈{0,.5,1}, b∈{0,5,10}, β∈{0,.5,1}, e∈{0,.5}, γ∈{0,.5,1}.
[[nodiscard]] StartGrid quartet_stage1_grid();
// Epoch AI's Chinchilla replication: α,β∈{0,.5,...,2}, e∈{−1,−.5,...,1}, a,b∈{0,5,...,25} (4,500 starts).
[[nodiscard]] StartGrid epoch_chinchilla_grid();
// The QuEST notebook: a,b∈{5,...,25}, α,β∈{0,.5,1}, e∈{−1,−.5,...,1} (1,125 starts).
[[nodiscard]] StartGrid quest_grid();

}  // namespace lps::analysis
