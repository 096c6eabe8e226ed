// Hostile sweep files through the lpsweep binary: paths that climb out of the sweep's folder, grids far beyond
// max_runs, nesting deep enough to exhaust a recursive parser. Each is refused with exit code 2 and a problem
// at file:line:col, quickly, and nothing is created. (Exact diagnostics of the library: tests/config/bad/ and
// tests/config/input_guards_test.cc; every other input: tests/fuzz.)
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <regex>

#include "security_test_support.h"

namespace lps::security {
namespace {

namespace fs = std::filesystem;

constexpr double kQuickSeconds = 20;  // generous for a loaded 2-core CI machine; the parse itself takes ms

struct Timed {
  test::CommandResult result;
  double seconds = 0;
};

Timed submit(const std::string& sweep) {
  const auto start = std::chrono::steady_clock::now();
  Timed t{cli("submit " + shell_quote(sweep)), 0};
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return t;
}

// True when `output` holds `<sweep>:<line>:<col>: <key>: ...<message>...`.
bool located(const std::string& output, const std::string& sweep, const std::string& message) {
  for (size_t at = output.find(sweep + ":"); at != std::string::npos; at = output.find(sweep + ":", at + 1)) {
    const std::string line = output.substr(at + sweep.size(), output.find('\n', at) - at - sweep.size());
    if (std::regex_search(line, std::regex(R"(^:\d+:\d+: )")) && line.find(message) != std::string::npos) return true;
  }
  return false;
}

// Every file below `root`, as relative paths (to show what a refused sweep left behind).
std::vector<std::string> files_under(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) out.push_back(fs::relative(e.path(), root).string());
  std::sort(out.begin(), out.end());
  return out;
}

const std::string kGrid = "models: [tiny-xs]\ntokens: [75K]\nschemes: [bf16]\n";

TEST(HostileSweep, StoreAndOutputPathsThatLeaveTheSweepsFolderAreRefusedAndNothingIsCreated) {
  const std::vector<std::pair<std::string, std::string>> escapes = {
      {"store: ../outside.db", "'../outside.db' leaves the sweep file's folder"},
      {"store: sub/../../../outside.db", "'sub/../../../outside.db' leaves the sweep file's folder"},
      {"output: ../out", "'../out' leaves the sweep file's folder"},
      {"output: ./a/./../../out", "leaves the sweep file's folder"},
  };
  for (const auto& [line, message] : escapes) {
    SCOPED_TRACE(line);
    TempDir dir;
    const std::string sweep = write_file(dir.sweep_dir() / "escape.yaml", "name: escape\n" + line + "\n" + kGrid);
    const Timed t = submit(sweep);
    EXPECT_EQ(t.result.exit_code, 2) << t.result.output;
    EXPECT_TRUE(located(t.result.output, sweep, message)) << t.result.output;
    EXPECT_EQ(files_under(dir.root()), (std::vector<std::string>{"sweep", "sweep/escape.yaml"}));
  }
}

TEST(HostileSweep, AnAbsolutePathIsTheWayToWriteElsewhere) {
  TempDir dir;
  const fs::path store = dir.root() / "elsewhere" / "runs.db";
  const std::string sweep =
      write_file(dir.sweep_dir() / "abs.yaml", "name: abs\nstore: " + store.string() +
                                                    "\nmodels: [tiny-xs]\nschemes: [bf16]\n" + tiny_sweep_body());
  const auto r = cli("submit " + shell_quote(sweep));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(store));
}

TEST(HostileSweep, AGridOfMillionsOfRunsIsRefusedWithItsSizeBeforeAnyIsPlanned) {
  // 2 models × 1,000 budgets × 9 schemes × 1,000 seeds = 18,000,000 runs.
  std::string tokens = "tokens: [";
  for (int i = 1; i <= 1000; ++i) tokens += (i > 1 ? ", " : "") + std::to_string(i) + "M";
  std::string seeds = "seeds: [";
  for (int i = 0; i < 1000; ++i) seeds += (i ? ", " : "") + std::to_string(i);
  TempDir dir;
  const std::string sweep = write_file(
      dir.sweep_dir() / "huge.yaml",
      "name: huge\nmodels: [tiny-xs, tiny-s]\n" + tokens + "]\n" +
          "schemes: [bf16, fp8, mxfp4_rtn, mxfp4_sr, quest_fwd, quartet, quartet_sr, nvfp4, quartet2]\n" + seeds + "]\n");
  const Timed t = submit(sweep);
  EXPECT_EQ(t.result.exit_code, 2) << t.result.output.substr(0, 2000);
  EXPECT_TRUE(located(t.result.output, sweep, "the sweep expands to 18,000,000 runs")) << t.result.output.substr(0, 2000);
  EXPECT_LT(t.seconds, kQuickSeconds);
  EXPECT_FALSE(fs::exists(dir.sweep_dir() / "huge.db"));
}

TEST(HostileSweep, MaxRunsCannotBeRaisedPastItsCeiling) {
  TempDir dir;
  const std::string sweep =
      write_file(dir.sweep_dir() / "ceiling.yaml", "name: ceiling\n" + kGrid + "max_runs: 1000000000000\n");
  const Timed t = submit(sweep);
  EXPECT_EQ(t.result.exit_code, 2) << t.result.output;
  EXPECT_TRUE(located(t.result.output, sweep, "max_runs: must be between 1 and 10000000")) << t.result.output;
}

TEST(HostileSweep, HundredsOfThousandsOfListEntriesAreRefusedQuickly) {
  // Just under the 1 MiB file limit: 150,000 seeds. Whatever the verdict, it must come fast and located.
  std::string seeds = "seeds: [";
  for (int i = 0; i < 150'000; ++i) seeds += (i ? "," : "") + std::to_string(i % 100'000);
  TempDir dir;
  const std::string sweep = write_file(dir.sweep_dir() / "seeds.yaml", "name: seeds\n" + kGrid + seeds + "]\n");
  const Timed t = submit(sweep);
  EXPECT_EQ(t.result.exit_code, 2) << t.result.output.substr(0, 2000);
  EXPECT_TRUE(std::regex_search(t.result.output, std::regex("seeds\\.yaml:\\d+:\\d+: ")))
      << t.result.output.substr(0, 2000);
  EXPECT_LT(t.seconds, kQuickSeconds);
}

TEST(HostileSweep, DeeplyNestedYamlIsRefusedAtItsPlaceNotByACrash) {
  const std::vector<std::pair<std::string, std::string>> nests = {
      // 200,000 nested flow sequences (yaml-cpp recurses per level and stops at its own limit, 2000).
      {"name: deep\nmodels: " + std::string(200'000, '[') + std::string(200'000, ']') + "\n",
       "nested deeper than 32 levels; sweep files need a handful"},
      // 100,000 block sequences on one line: "- - - ... x".
      {"name: deep\nmodels:\n  " + [] {
         std::string s;
         for (int i = 0; i < 100'000; ++i) s += "- ";
         return s + "x\n";
       }(),
       "nested deeper than 32 levels; sweep files need a handful"},
      // 100,000 nested flow mappings.
      {"name: deep\nmodels: " + [] {
         std::string s;
         for (int i = 0; i < 100'000; ++i) s += "{a: ";
         return s + "1" + std::string(100'000, '}') + "\n";
       }(),
       "nested deeper than 32 levels; sweep files need a handful"},
      // 40 levels: well-formed YAML, deeper than a sweep may nest.
      {"name: deep\nmodels: " + std::string(40, '[') + std::string(40, ']') + "\n",
       "nested deeper than 32 levels; sweep files need a handful"},
  };
  for (const auto& [yaml, message] : nests) {
    SCOPED_TRACE(yaml.substr(0, 40));
    TempDir dir;
    const std::string sweep = write_file(dir.sweep_dir() / "deep.yaml", yaml);
    const Timed t = submit(sweep);
    EXPECT_EQ(t.result.exit_code, 2) << t.result.output.substr(0, 2000);
    EXPECT_TRUE(located(t.result.output, sweep, message)) << t.result.output.substr(0, 2000);
    EXPECT_LT(t.seconds, kQuickSeconds);
  }
}

}  // namespace
}  // namespace lps::security
