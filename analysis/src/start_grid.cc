// Multi-start grids and the published defaults.
#include <lps/analysis/start_grid.h>
#include <lps/core/error.h>

namespace lps::analysis {

size_t StartGrid::size() const {
  size_t n = 1;
  for (const auto& [name, values] : axes) n *= values.size();
  return n;
}

std::vector<double> StartGrid::start(size_t index) const {
  LPS_CHECK(index < size(), "start {} of a grid of {}", index, size());
  std::vector<double> values(axes.size());
  for (size_t k = axes.size(); k-- > 0;) {
    const auto& axis = axes[k].second;
    values[k] = axis[index % axis.size()];
    index /= axis.size();
  }
  return values;
}

StartGrid quartet_stage1_grid() {
  return StartGrid{{{"a", {0, 5, 10}},
                    {"alpha", {0, 0.5, 1}},
                    {"b", {0, 5, 10}},
                    {"beta", {0, 0.5, 1}},
                    {"e", {0, 0.5}},
                    {"gamma", {0, 0.5, 1}}}};
}

StartGrid epoch_chinchilla_grid() {
  const std::vector<double> exponents{0, 0.5, 1, 1.5, 2};
  const std::vector<double> scales{0, 5, 10, 15, 20, 25};
  return StartGrid{{{"alpha", exponents},
                    {"beta", exponents},
                    {"e", {-1, -0.5, 0, 0.5, 1}},
                    {"a", scales},
                    {"b", scales}}};
}

StartGrid quest_grid() {
  const std::vector<double> scales{5, 10, 15, 20, 25};
  const std::vector<double> exponents{0, 0.5, 1};
  return StartGrid{{{"a", scales},
                    {"alpha", exponents},
                    {"b", scales},
                    {"beta", exponents},
                    {"e", {-1, -0.5, 0, 0.5, 1}}}};
}

}  // namespace lps::analysis
