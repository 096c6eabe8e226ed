// What the fuzzers found, each as a named regression test (the inputs themselves are replayed from
// tests/fuzz/regressions/ by corpus_replay_test.cc). docs/fuzzing.md lists them.
#include <gtest/gtest.h>
#include <lps/analysis/observation_csv.h>
#include <lps/config/load_sweep.h>
#include <lps/core/diagnostic.h>

#include <fmt/format.h>

#include <filesystem>
#include <sstream>

namespace lps::fuzz {
namespace {

// The problems of a rejected sweep as "line:col: key: message"; {"loaded"} when it loads.
std::vector<std::string> sweep_problems(const std::string& yaml, const std::string& file = "dir/s.yaml") {
  config::LoadOptions options;
  options.check_data_paths = false;
  try {
    (void)config::load_sweep_string(yaml, file, options);
  } catch (const UserInputError& e) {
    std::vector<std::string> out;
    for (const Diagnostic& d : e.problems()) {
      out.push_back(fmt::format("{}:{}: {}{}", d.line, d.col, d.key_path.empty() ? "" : d.key_path + ": ", d.message));
    }
    return out;
  }
  return {"loaded"};
}

std::vector<std::string> csv_problems(const std::string& csv) {
  std::istringstream in(csv);
  try {
    (void)analysis::read_observations_csv(in, "o.csv", analysis::CsvColumns{}, {});
  } catch (const UserInputError& e) {
    std::vector<std::string> out;
    for (const Diagnostic& d : e.problems()) out.push_back(fmt::format("{}:{}: {}", d.line, d.col, d.message));
    return out;
  }
  return {"loaded"};
}

// yaml-cpp 0.7's LoadAll returns empty documents forever for a stream starting with ',' (a hang that ate
// memory until killed). Found by fuzz_sweep_parser in its first minute.
TEST(FuzzFindings, AStreamStartingWithACommaIsASyntaxErrorNotAnEndlessLoop) {
  EXPECT_EQ(sweep_problems(","),
            std::vector<std::string>{"1:1: YAML syntax error: unexpected ',' where a document should start"});
  EXPECT_EQ(sweep_problems(", (did you mean 'bf16'?)\nname: fit\nmodels: [tiny-xs]\n"),
            std::vector<std::string>{"1:1: YAML syntax error: unexpected ',' where a document should start"});
}

TEST(FuzzFindings, TwoDocumentsAreStillCountedAndLocatedAtTheSecond) {
  EXPECT_EQ(sweep_problems("name: a\n---\nname: b\n---\nname: c\n"),
            std::vector<std::string>{"3:1: holds 3 YAML documents; a sweep file holds one"});
}

// Whole-file problems carried no line and column; every rejection now names a place.
TEST(FuzzFindings, WholeFileProblemsPointAtAPlace) {
  EXPECT_EQ(sweep_problems("# nothing\n").at(0).rfind("1:1: is empty", 0), 0u);
  config::LoadOptions small;
  small.max_bytes = 10;
  try {
    (void)config::load_sweep_string("name: abc\nmodels: [x]\n", "s.yaml", small);
    FAIL() << "an oversized file loaded";
  } catch (const UserInputError& e) {
    EXPECT_EQ(e.problems().at(0).line, 2);  // byte 11, the first past the limit, is on line 2, column 1
    EXPECT_EQ(e.problems().at(0).col, 1);
  }
}

// `store:` naming the default output folder was reported at `output`, which the file did not have: no place.
TEST(FuzzFindings, AStoreOnTheDefaultOutputFolderIsReportedAtStore) {
  EXPECT_EQ(sweep_problems("name: x\nstore: s-out\nmodels: [tiny-xs]\ntokens: [1M]\nschemes: [bf16]\n"),
            std::vector<std::string>{
                "2:8: store: is the default output folder (" + std::filesystem::absolute("dir/s-out").lexically_normal().string() +
                "); name another file"});
}

// CSV problems of the header and of a row's width had column 0, and an empty file was a bare lps::Error.
TEST(FuzzFindings, CsvProblemsAlwaysHaveALineAndAField) {
  EXPECT_EQ(csv_problems(""), std::vector<std::string>{"1:1: empty file: the first line must name the columns"});
  const auto missing = csv_problems("N,D\n1,2\n");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].rfind("1:1: no column named 'loss'", 0), 0u) << missing[0];
  EXPECT_EQ(csv_problems("N,D,loss\n1,2\n1,2,3,4\n"),
            (std::vector<std::string>{"2:3: 2 fields, the header has 3", "3:4: 4 fields, the header has 3"}));
}

}  // namespace
}  // namespace lps::fuzz
