// The fitter reproduces the published Quartet fits (arXiv 2505.14669, notebooks/plots.ipynb) from the same
// data with the same method: scipy.optimize.least_squares with loss='huber', f_scale=1e-4 on ln-loss
// residuals, the same multi-start grid, the lowest ½Σρ cost kept. Expected numbers come from
// ../shared/fixtures/reference_fits.json; nothing here is hard-coded.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <lps/analysis/fitter.h>

#include <cmath>

#include "fixture_data.h"

namespace lps::analysis {
namespace {

using test::quartet_losses;
using test::reference_fits;

void expect_rel(double actual, double expected, double tol, const std::string& what) {
  EXPECT_LE(std::abs(actual - expected), tol * std::abs(expected))
      << what << ": got " << fmt::format("{:.12g}", actual) << ", expected "
      << fmt::format("{:.12g}", expected);
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

namespace lps::analysis {
namespace {

struct AlternativeForm {
  const char* commit;  // "init_commit" | "5b9d_commit"
  const char* key;     // "hoffmann_gamma1" | "kaplan_beta1"
  const char* fixed;   // parameter held at 1
};

class QuartetAlternativeForms : public ::testing::TestWithParam<AlternativeForm> {};

// Fig. 6 of the paper compares the main form with γ = 1 (Hoffmann) and β = 1 (Kaplan). The published
// alternative-form points are not minima of the published objective: scipy's own least_squares(loss='huber',
// f_scale=1e-4) started at the published point moves on to a lower cost (checked with scipy 1.17.1 when this
// test was written: 6.7695e-06 < 7.7989e-06 for γ = 1), and so does our solver. We check the well-defined
// facts: the multi-start's cost is no higher than the published one, and a fit started at the published
// point reaches the multi-start's minimum.
TEST_P(QuartetAlternativeForms, MultiStartIsNoWorseThanThePublishedPointAndFitsFromItAgree) {
  LPS_REQUIRE_FIXTURES();
  const AlternativeForm c = GetParam();
  const std::string commit = c.commit;
  const auto obs =
      commit == "init_commit"
          ? test::quartet_losses({"in_init_commit_6ddd368=1", "fwd_quantizer=BF16", "bwd_quantizer=BF16"})
          : test::quartet_losses({"fwd_quantizer=BF16", "bwd_quantizer=BF16"});
  const auto law = make_law(LawSpec{LawKind::kQuartet, "BF16"}, obs);
  const auto ref = test::reference_fits()["quartet_alternative_forms_bf16"][commit][c.key];
  FitOptions o = default_fit_options(LawKind::kQuartet);
  o.fixed = {{c.fixed, 1.0}};
  const FitResult fit = fit_law(*law, obs, o);
  EXPECT_EQ(fit.value(c.fixed), 1.0);
  EXPECT_EQ(fit.num_starts, 162u) << "the fixed parameter's grid axis is dropped";
  EXPECT_LE(fit.cost, ref["cost"].get<double>() * (1 + 1e-6));

  FitOptions from_published = o;
  from_published.grid = StartGrid{};
  for (const char* p : {"A", "alpha", "B", "beta", "E", "gamma"}) {
    if (!ref.contains(p)) continue;
    const bool logged = p[0] >= 'A' && p[0] <= 'Z';
    from_published.starts.emplace_back(p, logged ? std::log(ref[p].get<double>()) : ref[p].get<double>());
  }
  const FitResult local = fit_law(*law, obs, from_published);
  EXPECT_LE(local.cost, ref["cost"].get<double>());
  expect_rel(local.cost, fit.cost, 1e-6, "cost from the published point vs the multi-start");
  for (size_t i = 0; i < fit.x.size(); ++i) expect_rel(local.x[i], fit.x[i], 1e-4, fit.names[i]);
}

INSTANTIATE_TEST_SUITE_P(Fig6, QuartetAlternativeForms,
                         ::testing::Values(AlternativeForm{"init_commit", "hoffmann_gamma1", "gamma"},
                                           AlternativeForm{"init_commit", "kaplan_beta1", "beta"},
                                           AlternativeForm{"5b9d_commit", "hoffmann_gamma1", "gamma"},
                                           AlternativeForm{"5b9d_commit", "kaplan_beta1", "beta"}));

TEST(QuartetReference, BaseFitOfThe5b9dCommitWith24PointsMatches) {
  LPS_REQUIRE_FIXTURES();
  const auto obs = test::quartet_losses({"fwd_quantizer=BF16", "bwd_quantizer=BF16"});
  ASSERT_EQ(obs.size(), 24u);
  const auto law = make_law(LawSpec{LawKind::kQuartet, "BF16"}, obs);
  const FitResult fit = fit_law(*law, obs, default_fit_options(LawKind::kQuartet));
  const auto ref = test::reference_fits()["quartet_base_fit_5b9d_commit"];
  expect_rel(std::exp(fit.value("a")), ref["A"], 1e-4, "A");
  expect_rel(fit.value("alpha"), ref["alpha"], 1e-4, "alpha");
  expect_rel(std::exp(fit.value("b")), ref["B"], 1e-4, "B");
  expect_rel(fit.value("beta"), ref["beta"], 1e-4, "beta");
  expect_rel(std::exp(fit.value("e")), ref["E"], 1e-4, "E");
  expect_rel(fit.value("gamma"), ref["gamma"], 1e-4, "gamma");
  expect_rel(fit.cost, ref["cost"], 1e-6, "cost");
}

// The QuEST law (arXiv 2502.05003): its notebook hard-codes the parameters (and, by an indentation bug, keeps
// the last start rather than the best), so the published point is not a fit we can re-run. We check our
// QuEST form and cost convention (residual × 1e-3, Huber f_scale 1) on its data give the published cost,
// and that our fit from the published point finds a cost no higher.
TEST(QuestReference, PublishedParametersGiveThePublishedCostAndOurFitIsNoWorse) {
  LPS_REQUIRE_FIXTURES();
  CsvColumns cols;
  cols.loss = "c4_val_loss";
  cols.fwd = "quest_fit_category";
  cols.label = "wandb_run_prefix";
  const auto obs = read_observations_csv(lps::test::fixtures_dir() / "quest_runs_for_scaling.csv", cols, {});
  const auto law = make_law(LawSpec{LawKind::kQuest, "16"}, obs);
  const auto ref = test::reference_fits()["quest_law"];
  std::vector<double> x(law->num_parameters(), 1.0);
  x[law->index_of("a")] = std::log(ref["A"].get<double>());
  x[law->index_of("alpha")] = ref["alpha"];
  x[law->index_of("b")] = std::log(ref["B"].get<double>());
  x[law->index_of("beta")] = ref["beta"];
  x[law->index_of("e")] = std::log(ref["E"].get<double>());
  for (const auto& [label, value] : ref["eff"].items()) {
    std::string name = "eff[" + label.substr(0, label.find(' ')) + "]";
    if (label.rfind("2.5", 0) == 0) name = "eff[2.5(4:8-sparse INT4)]";
    if (law->index_of(name) >= 0) x[law->index_of(name)] = value;
  }
  const FitOptions o = default_fit_options(LawKind::kQuest);
  const FitResult at_published = evaluate_fit(*law, obs, x, std::vector<bool>(x.size(), false), o);
  expect_rel(at_published.cost, ref["cost_recomputed_here"], 1e-6, "cost at the published point");
  expect_rel(at_published.rms_log_residual, ref["rms_log_residual_recomputed_here"], 1e-6,
             "RMS log residual");
  FitOptions from_published = o;
  from_published.grid = StartGrid{};
  for (size_t i = 0; i < x.size(); ++i) from_published.starts.emplace_back(law->parameter_names()[i], x[i]);
  const FitResult fit = fit_law(*law, obs, from_published);
  EXPECT_LE(fit.cost, at_published.cost);
}

}  // namespace
}  // namespace lps::analysis
