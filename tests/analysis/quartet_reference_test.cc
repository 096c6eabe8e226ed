// The fitter reproduces the published Quartet fits (arXiv 2505.14669, notebooks/plots.ipynb) from the same
// data with the same method: scipy.optimize.least_squares with loss='huber', f_scale=1e-4 on ln-loss
// residuals, the same multi-start grid, the lowest ½Σρ cost kept. Expected numbers come from
// ../shared/fixtures/reference_fits.json; nothing here is hard-coded.
#include <lps/analysis/fitter.h>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>

#include "fixture_data.h"

namespace lps::analysis {
namespace {

using test::quartet_losses;
using test::reference_fits;

void expect_rel(double actual, double expected, double tol, const std::string& what) {
  EXPECT_LE(std::abs(actual - expected), tol * std::abs(expected))
      << what << ": got " << fmt::format("{:.12g}", actual) << ", expected " << fmt::format("{:.12g}", expected);
}

TEST(QuartetReference, Stage1OnThe23MarkedPointsGivesTable6) {
  LPS_REQUIRE_FIXTURES();
  const auto obs = quartet_losses({"used_in_paper_table6_base_fit=1"});
  ASSERT_EQ(obs.size(), 23u);
  const auto law = make_law(LawSpec{LawKind::kQuartet, "BF16"}, obs);
  const FitResult fit = fit_law(*law, obs, default_fit_options(LawKind::kQuartet));
  const auto ref = reference_fits()["quartet_base_fit_init_commit"];
  EXPECT_EQ(fit.num_starts, 486u);
  expect_rel(std::exp(fit.value("a")), ref["A"], 1e-4, "A");
  expect_rel(fit.value("alpha"), ref["alpha"], 1e-4, "alpha");
  expect_rel(std::exp(fit.value("b")), ref["B"], 1e-4, "B");
  expect_rel(fit.value("beta"), ref["beta"], 1e-4, "beta");
  expect_rel(std::exp(fit.value("e")), ref["E"], 1e-4, "E");
  expect_rel(fit.value("gamma"), ref["gamma"], 1e-4, "gamma");
  expect_rel(fit.cost, ref["cost"], 1e-6, "cost (scipy ½Σρ)");
}

}  // namespace
}  // namespace lps::analysis
