// The lpsweep binary: help lists every subcommand, bad input gives a one-line error, usage and exit 2.
#include "test_support.h"

#include <gtest/gtest.h>

namespace lps {
namespace {

const std::string kCli = LPS_CLI_PATH;

TEST(Cli, HelpListsEverySubcommand) {
  const auto r = test::run_command(kCli + " --help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* sub : {"submit", "run", "worker", "status", "runs", "cancel", "retry", "export", "fit",
                          "recommend", "plot", "bench", "tokenize"}) {
    EXPECT_NE(r.output.find(std::string("  ") + sub), std::string::npos) << "missing " << sub << "\n" << r.output;
  }
}

TEST(Cli, VersionPrintsTheProjectVersion) {
  const auto r = test::run_command(kCli + " --version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("lpsweep 0."), std::string::npos) << r.output;
}

TEST(Cli, UnknownSubcommandIsAUsageErrorWithExitCode2) {
  const auto r = test::run_command(kCli + " frobnicate");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("lpsweep: error:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("frobnicate"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("usage: lpsweep"), std::string::npos) << r.output;
}

TEST(Cli, BadFlagIsAUsageErrorWithExitCode2) {
  const auto r = test::run_command(kCli + " --no-such-flag");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--no-such-flag"), std::string::npos) << r.output;
}

TEST(Cli, NoSubcommandIsAUsageError) {
  const auto r = test::run_command(kCli);
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST(Cli, InfoReportsTheBuild) {
  const auto r = test::run_command(kCli + " info");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("lpsweep"), std::string::npos);
}

TEST(Cli, BenchTrainRefusesAnUnknownSchemeBeforeTimingAnything) {
  const auto r = test::run_command(kCli + " info");
  if (r.output.find("LibTorch: not built") != std::string::npos) {
    GTEST_SKIP() << "bench train needs a build with LibTorch";
  }
  // The unknown name is last: before, the first (valid) scheme was timed for minutes before the error.
  const auto bench = test::run_command(kCli + " bench train --device cpu --presets tiny --schemes bf16,fp9 --steps 1 --warmup 0");
  EXPECT_EQ(bench.exit_code, 2) << bench.output;
  EXPECT_NE(bench.output.find("unknown scheme 'fp9' (presets: bf16, fp8,"), std::string::npos) << bench.output;
  EXPECT_EQ(bench.output.find("lpsweep tok/s"), std::string::npos) << "timing started before the check:\n" << bench.output;
}

}  // namespace
}  // namespace lps
