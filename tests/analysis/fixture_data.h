// Test helpers: loading the published fixtures (../shared/fixtures) as observations.
#pragma once

#include <gtest/gtest.h>
#include <lps/analysis/observation_csv.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace lps::analysis::test {

inline bool have_fixtures() {
  return std::filesystem::exists(lps::test::fixtures_dir() / "reference_fits.json");
}

#define LPS_REQUIRE_FIXTURES()                                                      \
  if (!::lps::analysis::test::have_fixtures())                                      \
  GTEST_SKIP() << "published fixtures not found at " << ::lps::test::fixtures_dir() \
               << " (set LPS_FIXTURES_DIR or check out ../shared/fixtures beside the repository)"

inline nlohmann::json reference_fits() {
  std::ifstream in(lps::test::fixtures_dir() / "reference_fits.json");
  return nlohmann::json::parse(in);
}

// quartet_repo_losses.csv with the given filters (fwd/bwd quantizer columns mapped).
inline std::vector<Observation> quartet_losses(const std::vector<std::string>& filters) {
  CsvColumns cols;
  cols.loss = "c4_val_loss";
  cols.fwd = "fwd_quantizer";
  cols.bwd = "bwd_quantizer";
  cols.label = "model";
  std::vector<RowFilter> f;
  for (const auto& s : filters) f.push_back(parse_row_filter(s));
  return read_observations_csv(lps::test::fixtures_dir() / "quartet_repo_losses.csv", cols, f);
}

}  // namespace lps::analysis::test
