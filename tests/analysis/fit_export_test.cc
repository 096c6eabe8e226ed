// Exports: JSON holds everything needed to refit identically (export → reload → refit gives the same bits);
// CSV lists the parameters; bad files are refused with the key that is wrong.
#include <gtest/gtest.h>
#include <lps/analysis/fit_export.h>
#include <lps/core/diagnostic.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>

namespace lps::analysis {
namespace {

FitRequest small_request() {
  FitRequest r;
  r.spec = LawSpec{LawKind::kQuartet, "bf16"};
  r.mode = FitMode::kStaged;
  std::vector<Observation> labels{{1, 1, 1, "bf16", "bf16", ""}, {1, 1, 1, "fp4", "bf16", ""}};
  const auto law = make_law(r.spec, labels);
  const std::vector<double> x{std::log(1.5e5), 0.59, std::log(5.3e5), 0.54, std::log(1.35), 0.27, 0.6};
  std::mt19937_64 rng(11);
  std::normal_distribution<double> noise(0, 0.003);
  for (const std::string fwd : {"bf16", "fp4"}) {
    for (double n : {3e7, 1e8, 3e8}) {
      for (double k : {25.0, 100.0, 400.0}) {
        r.observations.push_back({n, n * k, law->predict(x, n, n * k, fwd, "bf16") * std::exp(noise(rng)),
                                  fwd, "bf16", fmt::format("{}-{}-{}", fwd, n, k)});
      }
    }
  }
  r.options.fixed = {{"gamma", 0.27}};
  return r;
}

TEST(FitExport, JsonRoundTripRefitsToIdenticalBits) {
  const FitRequest request = small_request();
  const FitOutcome first = run_fit(request);
  const std::string text = export_fit_json(request, first);
  const FitRequest loaded = load_fit_request(text, "export.json");
  EXPECT_EQ(loaded.observations, request.observations);
  const FitOutcome second = run_fit(loaded);
  ASSERT_EQ(first.fit.x.size(), second.fit.x.size());
  EXPECT_EQ(std::memcmp(first.fit.x.data(), second.fit.x.data(), first.fit.x.size() * sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(&first.fit.cost, &second.fit.cost, sizeof(double)), 0);
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["schema_version"], kFitSchemaVersion);
  EXPECT_EQ(j["result"]["parameters"][0]["value"].get<double>(), first.fit.x[0]);  // full precision
  EXPECT_EQ(j["method"]["fixed"][0][0], "gamma");
}

TEST(FitExport, CsvHasOneRowPerParameterAndTheReport) {
  const FitRequest request = small_request();
  const FitOutcome outcome = run_fit(request);
  const std::string csv = export_fit_csv(outcome);
  EXPECT_EQ(csv.rfind("parameter,value,display_name,display_value,fixed,ci_lo,ci_hi\n", 0), 0u);
  EXPECT_NE(csv.find("\na,"), std::string::npos);
  EXPECT_NE(csv.find("\neffN[fp4],"), std::string::npos);
  EXPECT_NE(csv.find("\ngamma,0.27000000000000002,gamma,0.27000000000000002,1,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\ncost,"), std::string::npos);
}

TEST(FitExport, WrongSchemaOrVersionIsRefusedNamingTheKey) {
  try {
    (void)load_fit_request(R"({"schema": "lpsweep.fit", "schema_version": 99})", "old.json");
    FAIL();
  } catch (const UserInputError& e) {
    EXPECT_NE(std::string(e.what()).find("old.json"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("schema_version"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)load_fit_request("{not json", "x.json"), UserInputError);
}

}  // namespace
}  // namespace lps::analysis
