// The fuzz targets as plain regression tests: every committed corpus input and every past finding
// (tests/fuzz/regressions/<target>/) goes through its target again, in the normal suite and with any
// compiler, so a build without clang still exercises them (docs/fuzzing.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_targets.h"

namespace lps::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_of(const std::string& target) {
  std::vector<fs::path> files;
  for (const char* kind : {"corpus", "regressions"}) {
    const fs::path dir = fs::path(LPS_SOURCE_DIR) / "tests/fuzz" / kind / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <typename Target>
void replay(const std::string& name, Target target, size_t at_least) {
  const std::vector<fs::path> files = inputs_of(name);
  EXPECT_GE(files.size(), at_least) << "the committed corpus of " << name << " shrank";
  for (const fs::path& file : files) {
    const std::optional<std::string> finding = target(read_all(file));
    EXPECT_FALSE(finding.has_value()) << file.string() << ": " << finding.value_or("");
  }
}

TEST(FuzzCorpus, EverySweepParserInputIsAcceptedOrRejectedWithLocatedProblems) {
  replay("sweep_parser", sweep_parser_finding, 60);
}

TEST(FuzzCorpus, EveryCsvImporterInputIsAcceptedOrRejectedWithLocatedProblems) {
  replay("csv_importer", csv_importer_finding, 10);
}

}  // namespace
}  // namespace lps::fuzz
