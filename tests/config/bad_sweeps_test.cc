// The bad-sweep corpus: every tests/config/bad/*.yaml states, in `# expect: line:col: key: message`
// comments at its top, exactly the problems loading it must report — all of them, in order.
#include <gtest/gtest.h>
#include <lps/config/load_sweep.h>

#include <algorithm>
#include <fstream>

#include "sweep_test_support.h"

namespace lps::config {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> corpus() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(test::config_test_dir() / "bad")) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> expectations(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  const std::string marker = "# expect: ";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(marker, 0) == 0) out.push_back(line.substr(marker.size()));
  }
  return out;
}

class BadSweepFile : public ::testing::TestWithParam<std::string> {};

TEST_P(BadSweepFile, ReportsExactlyTheProblemsItsCommentsExpect) {
  const fs::path file = test::config_test_dir() / "bad" / (GetParam() + ".yaml");
  const std::vector<std::string> expected = expectations(file);
  ASSERT_FALSE(expected.empty()) << file << " states no '# expect: ' lines";
  std::vector<std::string> actual;
  try {
    (void)load_sweep_file(file.string());
    FAIL() << file << " loaded without problems";
  } catch (const UserInputError& e) {
    for (const Diagnostic& d : e.problems()) {
      EXPECT_EQ(d.file, file.string()) << "diagnostics must name the file as given";
      std::string text;
      if (d.line > 0) text += std::to_string(d.line) + ":" + std::to_string(d.col) + ": ";
      if (!d.key_path.empty()) text += d.key_path + ": ";
      actual.push_back(text + d.message);
    }
  }
  EXPECT_EQ(actual, expected);
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadSweepFile, ::testing::ValuesIn(corpus()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(BadSweepCorpus, HoldsAtLeastThirtyFiles) {
  EXPECT_GE(corpus().size(), 30u);
}

}  // namespace
}  // namespace lps::config
