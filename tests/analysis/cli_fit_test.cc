// End-to-end: the lpsweep binary's fit, export fit, recommend and bench fit commands on the published data.
// Skips (saying why) when the binary has not been built or the fixtures are absent.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fixture_data.h"

namespace lps::analysis {
namespace {

const std::string kCli = LPS_CLI_PATH;

#define LPS_REQUIRE_CLI()             \
  if (!std::filesystem::exists(kCli)) \
  GTEST_SKIP() << "lpsweep not built at " << kCli << " (build the lpsweep target)"

std::string quartet_input() {
  const std::string f = (lps::test::fixtures_dir() / "quartet_repo_losses.csv").string();
  return " --csv " + f + " --loss-col c4_val_loss --fwd-col fwd_quantizer --bwd-col bwd_quantizer";
}

TEST(CliFit, PrintsTable6WithIntervalsAndTheReport) {
  LPS_REQUIRE_FIXTURES();
  LPS_REQUIRE_CLI();
  const auto r =
      lps::test::run_command(kCli + " fit" + quartet_input() +
                             " --where used_in_paper_table6_base_fit=1 --bootstrap 50 --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("152374."), std::string::npos) << r.output;  // A of Table 6
  EXPECT_NE(r.output.find("95% lo"), std::string::npos);
  EXPECT_NE(r.output.find("cost (0.5*sum rho, scipy convention): 1.8762085"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("held-out check"), std::string::npos);
  EXPECT_NE(r.output.find("starts: 486 (0 failed"), std::string::npos);
}

TEST(CliFit, ExportedJsonRefitsToTheSameParameters) {
  LPS_REQUIRE_FIXTURES();
  LPS_REQUIRE_CLI();
  const auto dir = std::filesystem::temp_directory_path() / "lps_cli_fit_test";
  std::filesystem::create_directories(dir);
  const std::string json = (dir / "fit.json").string();
  const auto e = lps::test::run_command(
      kCli + " export fit" + quartet_input() +
      " --where used_in_paper_table6_base_fit=1 --bootstrap 0 --format json -o " + json);
  if (e.exit_code != 0 && e.output.find("not available") != std::string::npos) {
    GTEST_SKIP() << "`export fit` is not wired into `lpsweep export` in this binary: " << e.output;
  }
  ASSERT_EQ(e.exit_code, 0) << e.output;
  const auto first =
      lps::test::run_command(kCli + " export fit --from-fit " + json + " --bootstrap 0 --format csv");
  const auto second =
      lps::test::run_command(kCli + " export fit --from-fit " + json + " --bootstrap 0 --format csv");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(first.output, second.output);
  EXPECT_NE(first.output.find("a,11.93409"), std::string::npos) << first.output;
  std::filesystem::remove_all(dir);
}

TEST(CliFit, BadColumnAndBadFilterAreUserErrors) {
  LPS_REQUIRE_FIXTURES();
  LPS_REQUIRE_CLI();
  const auto r = lps::test::run_command(kCli + " fit" + quartet_input() + " --n-col nope --bootstrap 0");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no column named 'nope'"), std::string::npos) << r.output;
  const auto w = lps::test::run_command(kCli + " fit" + quartet_input() + " --where justtext --bootstrap 0");
  EXPECT_EQ(w.exit_code, 2) << w.output;
}

TEST(CliRecommend, NamesAWinnerWithItsProbabilityAndPrintsTheMap) {
  LPS_REQUIRE_FIXTURES();
  LPS_REQUIRE_CLI();
  const std::string speedups = (lps::test::fixtures_dir() / "quartet_rtx5090_speedups_vs_fp8.csv").string();
  const auto r =
      lps::test::run_command(kCli + " recommend" + quartet_input() +
                             " --where in_init_commit_6ddd368=1 --speedups table --speedup-csv " + speedups +
                             " --speedup-config QuEST/AlbertTsengQuantizer --n 7e9 --d-over-n 1000"
                             " --bootstrap 50 --map --map-n 1e8:1e11:4 --map-ratio 10:1e4:4");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("winner: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("bootstrap samples"), std::string::npos);
  EXPECT_NE(r.output.find("region map"), std::string::npos);
}

// The speedup table `lpsweep bench train --speedup-csv` writes: one row per (N, FWD/BWD configuration), the
// baseline's own rows skipped. A configuration measured 50× faster must win the budget; one measured 50×
// slower must not.
TEST(CliRecommend, ReadsTheMultiConfigurationSpeedupTableOfBenchTrain) {
  LPS_REQUIRE_FIXTURES();
  LPS_REQUIRE_CLI();
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "lps_speedup_table_test";
  std::filesystem::create_directories(dir);
  auto winner_for = [&](double speedup) {
    const std::filesystem::path csv = dir / "speedups.csv";
    {
      std::ofstream out(csv);
      out << "N_params,config,forward_speedup,backward_speedup,tokens_per_s,baseline_tokens_per_s,device\n";
      for (const char* n : {"30000000", "100000000"}) {
        out << n << ",BF16/BF16,1,1,1000,1000,test card\n";
        out << n << ",QuEST/AlbertTsengQuantizer," << speedup << "," << speedup << ",1,1,test card\n";
      }
    }
    const auto r = lps::test::run_command(kCli + " recommend" + quartet_input() +
                                          " --where in_init_commit_6ddd368=1 --speedups table"
                                          " --speedup-csv " + csv.string() +
                                          " --config BF16/BF16 --config QuEST/AlbertTsengQuantizer --n 1e9 --d-over-n 100");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("QuEST/AlbertTsengQuantizer"), std::string::npos) << r.output;
    const size_t at = r.output.find("winner: ");
    EXPECT_NE(at, std::string::npos) << r.output;
    return at == std::string::npos ? std::string() : r.output.substr(at, r.output.find('\n', at) - at);
  };
  EXPECT_NE(winner_for(50.0).find("QuEST"), std::string::npos);
  EXPECT_EQ(winner_for(0.02).find("QuEST"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(CliPlot, WritesLossResidualAndRegionMapImages) {
  LPS_REQUIRE_FIXTURES();
  LPS_REQUIRE_CLI();
  const auto dir = std::filesystem::temp_directory_path() / "lps_cli_plot_test";
  std::filesystem::remove_all(dir);
  const std::string speedups = (lps::test::fixtures_dir() / "quartet_rtx5090_speedups_vs_fp8.csv").string();
  const auto r =
      lps::test::run_command(kCli + " plot" + quartet_input() +
                             " --where in_init_commit_6ddd368=1 --speedups table --speedup-csv " + speedups +
                             " --speedup-config QuEST/AlbertTsengQuantizer --map --map-n 1e8:1e11:8"
                             " --map-ratio 10:1e4:8 --formats png --out " +
                             dir.string());
  if (r.exit_code != 0 && r.output.find("matplotlib") != std::string::npos) {
    GTEST_SKIP() << "no matplotlib for the plot script: " << r.output;
  }
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* f : {"plot_data.json", "loss_vs_d.png", "residuals.png", "region_map.png"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f << " missing; output: " << r.output;
  }
  std::filesystem::remove_all(dir);
}

TEST(CliBenchFit, TimesBothGridsAndReportsTheCosts) {
  LPS_REQUIRE_FIXTURES();
  LPS_REQUIRE_CLI();
  const auto r = lps::test::run_command(kCli + " bench fit --repeats 1 --no-scipy");
  if (r.output.find("unknown command 'bench'") != std::string::npos || r.exit_code == 2) {
    GTEST_SKIP() << "bench fit not wired in this binary: " << r.output;
  }
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("quartet          486"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("chinchilla      4500"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace lps::analysis
