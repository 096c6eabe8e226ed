// Stage-2 and joint efficiency fits reproduce the Quartet notebook's published values (reference_fits.json,
// "quartet_stage2_init_commit"): the same data subsets, base constants from the same stage-1 fit, the same
// least_squares Huber(1e-4) objective and start grids (effD0 = 1, effN0 = 0.5, joint {0.5, 1}²).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <lps/analysis/fitter.h>
#include <lps/analysis/staged_fit.h>

#include <cmath>

#include "fixture_data.h"

namespace lps::analysis {
namespace {

using test::quartet_losses;
using test::reference_fits;

constexpr double kEffTolerance = 1e-4;  // relative; the brief asks 1e-3, the fit does far better

std::vector<double> init_commit_base(const LawForm& law) {
  auto fit =
      fit_law(law, quartet_losses({"in_init_commit_6ddd368=1", "fwd_quantizer=BF16", "bwd_quantizer=BF16"}),
              default_fit_options(LawKind::kQuartet));
  return fit.x;
}

// Fits the named efficiencies on `obs` with the core frozen at the init-commit base fit.
std::vector<double> fit_effs(const std::vector<Observation>& obs, const std::vector<std::string>& names,
                             const std::vector<std::vector<double>>& grids) {
  auto all = quartet_losses({"in_init_commit_6ddd368=1", "fwd_quantizer=BF16", "bwd_quantizer=BF16"});
  all.insert(all.end(), obs.begin(), obs.end());
  const auto law = make_law(LawSpec{LawKind::kQuartet, "BF16"}, all);
  const std::vector<double> base = init_commit_base(*law);
  FitOptions o = default_fit_options(LawKind::kQuartet);
  for (size_t i = 0; i < law->num_core(); ++i) o.fixed.emplace_back(law->parameter_names()[i], base[i]);
  o.grid = StartGrid{};
  for (size_t k = 0; k < names.size(); ++k) o.grid->axes.emplace_back(names[k], grids[k]);
  const FitResult fit = fit_law(*law, obs, o);
  std::vector<double> values;
  for (const auto& n : names) values.push_back(fit.value(n));
  return values;
}

void expect_rel(double actual, double expected, const std::string& what) {
  EXPECT_LE(std::abs(actual - expected), kEffTolerance * std::abs(expected))
      << what << ": got " << fmt::format("{:.10g}", actual) << ", expected "
      << fmt::format("{:.10g}", expected);
}

TEST(QuartetStage2, EffDOfStochasticRoundingBackwardIs0_8918) {
  LPS_REQUIRE_FIXTURES();
  const auto obs = quartet_losses(
      {"in_init_commit_6ddd368=1", "fwd_quantizer=BF16", "bwd_quantizer=AlbertTsengQuantizer"});
  ASSERT_EQ(obs.size(), 21u);
  const auto v = fit_effs(obs, {"effD[AlbertTsengQuantizer]"}, {{1.0}});
  const double expected =
      reference_fits()["quartet_stage2_init_commit"]["effD_SR_AbsMax_bwd_BF16_fwd (21 pts, all sizes)"];
  expect_rel(v[0], expected, "effD(SR)");
  EXPECT_NEAR(v[0], 0.8918, 1e-3);
}

TEST(QuartetStage2, EffNOfQuestForwardIs0_6478) {
  LPS_REQUIRE_FIXTURES();
  const auto obs = quartet_losses({"in_init_commit_6ddd368=1", "fwd_quantizer=QuEST", "bwd_quantizer=BF16"});
  ASSERT_EQ(obs.size(), 21u);
  const auto v = fit_effs(obs, {"effN[QuEST]"}, {{0.5}});
  expect_rel(v[0], reference_fits()["quartet_stage2_init_commit"]["effN_QuEST_fwd_BF16_bwd (21 pts)"],
             "effN(QuEST)");
  EXPECT_NEAR(v[0], 0.6478, 1e-3);
}

TEST(QuartetStage2, EffNOfAbsMaxForwardsOn30MMatchTheNotebook) {
  LPS_REQUIRE_FIXTURES();
  const auto ref = reference_fits()["quartet_stage2_init_commit"];
  const auto sr = quartet_losses(
      {"in_init_commit_6ddd368=1", "fwd_quantizer=AlbertTsengQuantizer", "bwd_quantizer=BF16"});
  const auto rtn = quartet_losses(
      {"in_init_commit_6ddd368=1", "fwd_quantizer=AlbertTsengDeterministic", "bwd_quantizer=BF16"});
  ASSERT_EQ(sr.size(), 6u);
  ASSERT_EQ(rtn.size(), 6u);
  expect_rel(fit_effs(sr, {"effN[AlbertTsengQuantizer]"}, {{0.5}})[0], ref["effN_SR_AbsMax_fwd (30M, 6 pts)"],
             "effN(SR)");
  expect_rel(fit_effs(rtn, {"effN[AlbertTsengDeterministic]"}, {{0.5}})[0],
             ref["effN_RTN_AbsMax_fwd (30M, 6 pts)"], "effN(RTN)");
}

TEST(QuartetStage2, JointFitOfQuartetV1OnEightPointsMatchesTheNotebook) {
  LPS_REQUIRE_FIXTURES();
  auto obs = quartet_losses({"in_init_commit_6ddd368=1", "fwd_quantizer=QuEST",
                             "bwd_quantizer=AlbertTsengQuantizer", "model=30M", "steps<90000"});
  const auto more = quartet_losses({"in_init_commit_6ddd368=1", "fwd_quantizer=QuEST",
                                    "bwd_quantizer=AlbertTsengQuantizer", "model=50M", "steps<30000"});
  obs.insert(obs.end(), more.begin(), more.end());
  ASSERT_EQ(obs.size(), 8u);
  const auto v = fit_effs(obs, {"effN[QuEST]", "effD[AlbertTsengQuantizer]"}, {{0.5, 1.0}, {0.5, 1.0}});
  const auto all_refs = reference_fits();
  const auto& ref = all_refs["quartet_stage2_init_commit"]["joint_fwd_bwd"]
                            ["Quartet_v1 (QuEST fwd + SR bwd; 30M steps<90000 + 50M steps<30000 = 8 pts)"];
  expect_rel(v[0], ref[0], "effN");
  expect_rel(v[1], ref[1], "effD");
}

// LUQ-INT4 is well identified and matches the notebook. LUQ-FP4, Jetfire-FP4 and HALO-FP4 diverged in
// training (the paper lists them as unstable); their Huber(1e-4) objective has several local minima within a
// hair of each other, and the four-start grid lands scipy's TRF and our solver in different ones. For those
// we assert what is well defined: our minimum is at least as good as the published point (same objective,
// same data).
TEST(QuartetStage2, JointFitsOfBaselineMethodsMatchOrImproveOnTheNotebook) {
  LPS_REQUIRE_FIXTURES();
  const auto ref = reference_fits()["quartet_stage2_init_commit"]["joint_fwd_bwd"];
  CsvColumns cols;
  cols.loss = "c4_val_loss";
  cols.fwd = "method";
  cols.bwd = "method";
  cols.label = "model";
  for (const std::string method : {"LUQ-INT4", "LUQ-FP4", "HALO-FP4", "Jetfire-FP4"}) {
    SCOPED_TRACE(method);
    const auto obs = read_observations_csv(lps::test::fixtures_dir() / "quartet_baseline_methods_losses.csv",
                                           cols, {parse_row_filter("method=" + method)});
    const std::vector<std::string> names{"effN[" + method + "]", "effD[" + method + "]"};
    const auto v = fit_effs(obs, names, {{0.5, 1.0}, {0.5, 1.0}});
    if (method == "LUQ-INT4") {
      expect_rel(v[0], ref[method][0], "effN");
      expect_rel(v[1], ref[method][1], "effD");
      continue;
    }
    auto all = quartet_losses({"in_init_commit_6ddd368=1", "fwd_quantizer=BF16", "bwd_quantizer=BF16"});
    all.insert(all.end(), obs.begin(), obs.end());
    const auto law = make_law(LawSpec{LawKind::kQuartet, "BF16"}, all);
    std::vector<double> ours = init_commit_base(*law), published = ours;
    ours[law->index_of(names[0])] = v[0];
    ours[law->index_of(names[1])] = v[1];
    published[law->index_of(names[0])] = ref[method][0];
    published[law->index_of(names[1])] = ref[method][1];
    const FitOptions o = default_fit_options(LawKind::kQuartet);
    EXPECT_LE(huber_cost(*law, obs, ours, o), huber_cost(*law, obs, published, o) * (1 + 1e-9));
  }
}

TEST(QuartetStage2, StagedFitRunsAllStagesAndFillsTheLawVector) {
  LPS_REQUIRE_FIXTURES();
  const auto obs = quartet_losses({"in_init_commit_6ddd368=1"});
  const auto law = make_law(LawSpec{LawKind::kQuartet, "BF16"}, obs);
  const StagedFit fit = fit_staged(*law, obs, StagedFitOptions{});
  const auto ref = reference_fits()["quartet_stage2_init_commit"];
  expect_rel(fit.x[law->index_of("effD[AlbertTsengQuantizer]")],
             ref["effD_SR_AbsMax_bwd_BF16_fwd (21 pts, all sizes)"], "effD(SR)");
  expect_rel(fit.x[law->index_of("effN[QuEST]")], ref["effN_QuEST_fwd_BF16_bwd (21 pts)"], "effN(QuEST)");
  const EfficiencyFit* joint = find_joint(fit, "QuEST", "AlbertTsengQuantizer");
  ASSERT_NE(joint, nullptr);
  EXPECT_NEAR(joint->values[0], ref["reproduced_here"]["QuEST+SR all 21 pts"][0].get<double>(), 1e-5);
  EXPECT_NEAR(joint->values[1], ref["reproduced_here"]["QuEST+SR all 21 pts"][1].get<double>(), 1e-5);
}

}  // namespace
}  // namespace lps::analysis
