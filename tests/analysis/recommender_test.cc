// The recommender: speedup models, scoring, probability-best, and the Quartet paper's precision map
// (Fig. 1c) rebuilt from the published losses and the published RTX 5090 speedups.
#include <gtest/gtest.h>
#include <lps/analysis/bootstrap.h>
#include <lps/analysis/fit_report.h>
#include <lps/analysis/recommender.h>
#include <lps/analysis/staged_fit.h>
#include <lps/core/error.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "fixture_data.h"

namespace lps::analysis {
namespace {

TEST(SpeedupModels, BitCountMakesFp4TwiceFp8AndFourTimesBf16) {
  const BitCountSpeedups bits({{"fp8", 8}, {"fp4", 4}}, "bf16", 16);
  EXPECT_EQ(bits.speedup({"fp4", "fp4"}, 1e8).fwd, 4.0);
  EXPECT_EQ(bits.speedup({"fp8", "fp4"}, 1e8).fwd, 2.0);
  EXPECT_EQ(bits.speedup({"bf16", "fp8"}, 1e8).bwd, 2.0);
  EXPECT_EQ(bits.speedup({"bf16", "bf16"}, 1e8).training(), 1.0);
  // sptr = 1/(⅓/spfw + ⅔/spbw): FP4 forward and BF16 backward → 1/(1/12 + 2/3) = 4/3.
  EXPECT_DOUBLE_EQ(bits.speedup({"fp4", "bf16"}, 1e8).training(), 4.0 / 3.0);
  EXPECT_THROW((void)bits.speedup({"int3", "bf16"}, 1e8), Error);
}

TEST(SpeedupModels, TableInterpolatesInLogNAndClampsAtTheEnds) {
  SpeedupTable table(PrecisionConfig{"bf16", "bf16"});
  table.add({"fp4", "fp4"}, SpeedupRow{1e8, {1.0, 0.5}});
  table.add({"fp4", "fp4"}, SpeedupRow{1e10, {3.0, 1.5}});
  EXPECT_DOUBLE_EQ(table.speedup({"fp4", "fp4"}, 1e9).fwd, 2.0);
  EXPECT_DOUBLE_EQ(table.speedup({"fp4", "fp4"}, 1e9).bwd, 1.0);
  EXPECT_EQ(table.speedup({"fp4", "fp4"}, 1e6).fwd, 1.0);
  EXPECT_EQ(table.speedup({"fp4", "fp4"}, 1e12).fwd, 3.0);
  EXPECT_EQ(table.speedup({"bf16", "bf16"}, 1e9).fwd, 1.0);
  EXPECT_THROW((void)table.speedup({"fp8", "fp8"}, 1e9), Error);
}

TEST(Recommender, ScoresEachConfigurationAtItsEffectiveSizeAndTokens) {
  const std::vector<Observation> labels{{1, 1, 1, "bf16", "bf16", ""}, {1, 1, 1, "fp4", "fp4", ""}};
  const auto law = make_law(LawSpec{LawKind::kQuartet, "bf16"}, labels);
  std::vector<double> x{std::log(1.5e5), 0.59, std::log(5.3e5), 0.54, std::log(1.35), 0.27, 0.65, 0.9};
  const BitCountSpeedups bits({{"fp4", 4}}, "bf16", 16);
  const Budget budget{1e9, 1e11};
  const Recommendation r = recommend(*law, x, {{"bf16", "bf16"}, {"fp4", "fp4"}}, bits, budget);
  ASSERT_EQ(r.scores.size(), 2u);
  EXPECT_EQ(r.scores[1].n_effective, 4e9);
  EXPECT_DOUBLE_EQ(r.scores[1].d_effective, 1e11);  // sptr = 4, /spfw = 1
  EXPECT_DOUBLE_EQ(r.scores[1].loss, law->predict(x, 4e9, 1e11, "fp4", "fp4"));
  EXPECT_EQ(r.winner, r.scores[0].loss < r.scores[1].loss ? 0u : 1u);
  // Every bootstrap sample equal to the point estimate → the winner wins with probability 1.
  const Recommendation with_samples =
      recommend(*law, x, {{"bf16", "bf16"}, {"fp4", "fp4"}}, bits, budget, {x, x});
  EXPECT_EQ(with_samples.probability_best, 1.0);
}

TEST(Recommender, ConfigurationsTheLawCannotTellApartAreATieAndSaidToBe) {
  const std::vector<Observation> labels{{1, 1, 1, "bf16", "bf16", ""}, {1, 1, 1, "fp4", "fp4", ""}};
  const auto law = make_law(LawSpec{LawKind::kQuartet, "bf16"}, labels);
  std::vector<double> x{std::log(1.5e5), 0.59, std::log(5.3e5), 0.54, std::log(1.35), 0.27, 0.65, 0.9};
  const BitCountSpeedups bits({{"fp4", 4}}, "bf16", 16);
  const std::vector<PrecisionConfig> configs{{"bf16", "bf16"}, {"fp4", "fp4"}};
  // Where the sweep's sizes are, the configurations differ: a clear winner, margin = ln(runner-up / winner).
  const Recommendation near = recommend(*law, x, configs, bits, Budget{1e8, 2e9}, {x, x});
  ASSERT_FALSE(near.is_tie());
  EXPECT_EQ(near.tied, std::vector<size_t>{near.winner});
  EXPECT_NEAR(near.margin, std::abs(std::log(near.scores[0].loss / near.scores[1].loss)), 1e-15);
  EXPECT_GT(near.margin, kTieMargin);
  EXPECT_EQ(near.probability_best, 1.0);
  EXPECT_EQ(near.probability_tied, 0.0);
  EXPECT_NE(format_recommendation(near).find("winner: "), std::string::npos) << format_recommendation(near);
  // Far past the data both predict the irreducible loss to within 1e-4: a tie, not a winner.
  const Recommendation far = recommend(*law, x, configs, bits, Budget{1e30, 1e32}, {x, x});
  ASSERT_TRUE(far.is_tie()) << far.margin;
  EXPECT_LT(far.margin, kTieMargin);
  EXPECT_EQ(far.tied.size(), 2u);
  EXPECT_EQ(far.tied[0], far.winner);
  EXPECT_EQ(far.probability_best, 0.0);
  EXPECT_EQ(far.probability_tied, 1.0);
  const std::string text = format_recommendation(far);
  EXPECT_EQ(text.find("winner: "), std::string::npos) << text;
  EXPECT_EQ(text.find("<- best"), std::string::npos) << text;
  EXPECT_NE(text.find("tie: bf16/bf16, fp4/fp4 predict losses within 0.01% of each other"), std::string::npos) << text;
  EXPECT_NE(text.find("tied in 100.0%"), std::string::npos) << text;
}

TEST(Recommender, FlopBudgetsSplitIntoNAndD) {
  const Budget b = Budget::from_flops(6e20, 1e9);
  EXPECT_DOUBLE_EQ(b.d_max, 1e11);
  const Budget r = Budget::from_flops_and_ratio(6e20, 100);
  EXPECT_DOUBLE_EQ(r.d_max / r.n_max, 100);
  EXPECT_NEAR(6 * r.n_max * r.d_max, 6e20, 1e8);
}

// The Quartet paper (Fig. 1c) finds FP4 training (Quartet) optimal over FP8 on an RTX 5090 for large models
// trained on many tokens per parameter. We rebuild the map from the published losses (staged fit of the
// init commit's data) and the published speedups, and assert the structure the fixtures support: at the
// smallest tabulated size (where FP4 is slower than FP8) FP8 wins everywhere; FP4 wins somewhere; and in
// every column where FP4 wins, it wins for all larger D/N (a threshold in D/N).
TEST(Recommender, QuartetRtx5090MapHasAnFp4RegionAboveAThresholdInDOverN) {
  LPS_REQUIRE_FIXTURES();
  const auto obs = test::quartet_losses({"in_init_commit_6ddd368=1"});
  const auto law = make_law(LawSpec{LawKind::kQuartet, "BF16"}, obs);
  const StagedFit fit = fit_staged(*law, obs, StagedFitOptions{});
  const PrecisionConfig fp8{"BF16", "BF16"}, quartet{"QuEST", "AlbertTsengQuantizer"};
  SpeedupTable table(fp8);
  read_speedup_csv(table, lps::test::fixtures_dir() / "quartet_rtx5090_speedups_vs_fp8.csv", quartet,
                   "N_params", "forward_speedup_vs_fp8", "backward_speedup_vs_fp8");
  const std::vector<double> ns = log_space(1.0276e8, 5.18e10, 12);
  const std::vector<double> ratios = log_space(10, 1e4, 16);
  const RegionMap map = region_map(*law, fit.x, {fp8, quartet}, table, ns, ratios);
  bool fp4_somewhere = false;
  for (size_t c = 0; c < ns.size(); ++c) {
    bool seen_fp4 = false;
    for (size_t r = 0; r < ratios.size(); ++r) {
      const bool fp4 = map.winner[r][c] == 1;
      if (c == 0) {
        EXPECT_FALSE(fp4) << "N=" << ns[c] << " D/N=" << ratios[r];
      }
      if (seen_fp4) {
        EXPECT_TRUE(fp4) << "FP4 region not above a D/N threshold at N=" << ns[c];
      }
      seen_fp4 = seen_fp4 || fp4;
    }
    fp4_somewhere = fp4_somewhere || seen_fp4;
  }
  EXPECT_TRUE(fp4_somewhere) << "FP4 never optimal on the RTX 5090 map";
}

TEST(SpeedupTable, ReadsOneRowPerSizeAndConfigurationAndSkipsTheBaselinesOwnRows) {
  const auto path = std::filesystem::temp_directory_path() / ("lps_speedups_" + std::to_string(::getpid()) + ".csv");
  {
    std::ofstream f(path);
    f << "N_params,config,forward_speedup,backward_speedup\n"
         "1e8,bf16/bf16,1,1\n"
         "1e8,fp8/fp8,1.5,1.25\n"
         "1e9,fp8/fp8,1.8,1.6\n"
         "1e8,quest_fwd/bf16,1.2,1\n";
  }
  SpeedupTable table(PrecisionConfig{"bf16", "bf16"});
  read_speedup_table_csv(table, path, "N_params", "forward_speedup", "backward_speedup");
  const auto configs = table.configs();
  ASSERT_EQ(configs.size(), 2u);  // fp8/fp8 and quest_fwd/bf16; the bf16/bf16 row is the baseline's
  const Speedup at_1e8 = table.speedup(PrecisionConfig{"fp8", "fp8"}, 1e8);
  EXPECT_DOUBLE_EQ(at_1e8.fwd, 1.5);
  EXPECT_DOUBLE_EQ(at_1e8.bwd, 1.25);
  EXPECT_DOUBLE_EQ(table.speedup(PrecisionConfig{"fp8", "fp8"}, 1e9).fwd, 1.8);
  EXPECT_DOUBLE_EQ(table.speedup(PrecisionConfig{"quest_fwd", "bf16"}, 1e8).fwd, 1.2);
  {
    std::ofstream f(path);
    f << "N_params,config,forward_speedup,backward_speedup\n1e8,fp8,1.5,1.25\n";
  }
  try {
    read_speedup_table_csv(table, path, "N_params", "forward_speedup", "backward_speedup");
    ADD_FAILURE() << "a configuration without FWD/BWD was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("configuration 'fp8': write FWD/BWD"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace lps::analysis
