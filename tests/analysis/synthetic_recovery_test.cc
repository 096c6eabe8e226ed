// Golden tests on synthetic data: losses drawn from known parameters with 0.5% multiplicative noise are
// recovered inside the 95% bootstrap interval, for every law form; fits are independent of row order bit
// for bit; fixed parameters stay fixed; starts that overflow are counted as failed.
#include <gtest/gtest.h>
#include <lps/analysis/bootstrap.h>
#include <lps/analysis/fitter.h>
#include <lps/analysis/held_out.h>
#include <lps/analysis/staged_fit.h>
#include <lps/core/diagnostic.h>
#include <lps/core/error.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

namespace lps::analysis {
namespace {

constexpr double kNoise = 0.005;  // 0.5% multiplicative (log-normal) noise

// A grid of runs like the paper's: 5 sizes × D/N ∈ {25, 50, 100, 200, 400, 800}, for each (fwd, bwd) given.
std::vector<Observation> synthetic(const LawForm& law, const std::vector<double>& truth,
                                   const std::vector<std::pair<std::string, std::string>>& schemes,
                                   uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, kNoise);
  std::vector<Observation> out;
  for (const auto& [fwd, bwd] : schemes) {
    for (double n : {3e7, 5e7, 1e8, 2e8, 4e8}) {
      for (double ratio : {25.0, 50.0, 100.0, 200.0, 400.0, 800.0}) {
        const double l = law.predict(truth, n, n * ratio, fwd, bwd) * std::exp(noise(rng));
        out.push_back(Observation{n, n * ratio, l, fwd, bwd, ""});
      }
    }
  }
  return out;
}

void expect_inside(const BootstrapResult& boot, const std::vector<double>& truth,
                   const std::vector<bool>& fixed) {
  for (size_t i = 0; i < truth.size(); ++i) {
    if (fixed[i]) continue;
    const auto& iv = boot.intervals[i];
    EXPECT_LE(iv.lo, truth[i]) << iv.name << " interval [" << iv.lo << ", " << iv.hi << "] misses "
                               << truth[i];
    EXPECT_GE(iv.hi, truth[i]) << iv.name << " interval [" << iv.lo << ", " << iv.hi << "] misses "
                               << truth[i];
  }
}

TEST(SyntheticRecovery, ChinchillaParametersLieInsideTheBootstrapInterval) {
  const std::vector<Observation> shape{{1, 1, 1, "BF16", "BF16", ""}};
  const auto law = make_law(LawSpec{LawKind::kChinchilla, "BF16"}, shape);
  const std::vector<double> truth{std::log(400.0), 0.34, std::log(410.0), 0.28, std::log(1.7)};
  const auto obs = synthetic(*law, truth, {{"BF16", "BF16"}}, 1);
  FitOptions o = default_fit_options(LawKind::kChinchilla);
  const FitResult fit = fit_law(*law, obs, o);
  const BootstrapResult boot = bootstrap_fit(*law, obs, fit, o, BootstrapOptions{});
  EXPECT_EQ(boot.samples.size() + boot.failed, 1000u);
  expect_inside(boot, truth, fit.fixed);
}

TEST(SyntheticRecovery, QuartetStagedParametersLieInsideTheBootstrapInterval) {
  const std::vector<std::pair<std::string, std::string>> schemes{
      {"BF16", "BF16"}, {"BF16", "SR"}, {"Q", "BF16"}, {"Q", "SR"}};
  std::vector<Observation> labels;
  for (const auto& [f, b] : schemes) labels.push_back({1, 1, 1, f, b, ""});
  const auto law = make_law(LawSpec{LawKind::kQuartet, "BF16"}, labels);
  std::vector<double> truth(law->num_parameters());
  const std::vector<double> core{std::log(1.5e5), 0.59, std::log(5.3e5), 0.54, std::log(1.35), 0.27};
  std::copy(core.begin(), core.end(), truth.begin());
  truth[law->index_of("effN[Q]")] = 0.65;
  truth[law->index_of("effD[SR]")] = 0.89;
  const auto obs = synthetic(*law, truth, schemes, 2);
  const StagedFit fit = fit_staged(*law, obs, StagedFitOptions{});
  const BootstrapResult boot = bootstrap_staged(*law, obs, fit, StagedFitOptions{}, BootstrapOptions{});
  expect_inside(boot, truth, std::vector<bool>(truth.size(), false));
}

TEST(SyntheticRecovery, QuestParametersLieInsideTheBootstrapInterval) {
  const std::vector<std::pair<std::string, std::string>> schemes{{"16", ""}, {"4", ""}, {"2", ""}};
  std::vector<Observation> labels;
  for (const auto& [f, b] : schemes) labels.push_back({1, 1, 1, f, b, ""});
  const auto law = make_law(LawSpec{LawKind::kQuest, "16"}, labels);
  std::vector<double> truth{std::log(400.0), 0.34, std::log(410.0), 0.28, std::log(1.7), 0, 0};
  truth[law->index_of("eff[4]")] = 0.7;
  truth[law->index_of("eff[2]")] = 0.16;
  const auto obs = synthetic(*law, truth, schemes, 3);
  FitOptions o = default_fit_options(LawKind::kQuest);
  const FitResult fit = fit_law(*law, obs, o);
  const BootstrapResult boot = bootstrap_fit(*law, obs, fit, o, BootstrapOptions{});
  expect_inside(boot, truth, fit.fixed);
}

TEST(FitDeterminism, AnyRowOrderGivesTheSameBits) {
  const std::vector<Observation> shape{{1, 1, 1, "BF16", "BF16", ""}};
  const auto law = make_law(LawSpec{LawKind::kQuartet, "BF16"}, shape);
  const std::vector<double> truth{std::log(1.5e5), 0.59, std::log(5.3e5), 0.54, std::log(1.35), 0.27};
  auto obs = synthetic(*law, truth, {{"BF16", "BF16"}}, 4);
  const FitResult a = fit_law(*law, obs, default_fit_options(LawKind::kQuartet));
  std::mt19937_64 rng(5);
  std::shuffle(obs.begin(), obs.end(), rng);
  FitOptions one_thread = default_fit_options(LawKind::kQuartet);
  one_thread.threads = 1;
  const FitResult b = fit_law(*law, obs, one_thread);
  ASSERT_EQ(a.x.size(), b.x.size());
  EXPECT_EQ(std::memcmp(a.x.data(), b.x.data(), a.x.size() * sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(&a.cost, &b.cost, sizeof(double)), 0);
  EXPECT_EQ(a.best_start, b.best_start);
}

TEST(FitOptionsTest, FixedParametersKeepTheirValues) {
  const std::vector<Observation> shape{{1, 1, 1, "BF16", "BF16", ""}};
  const auto law = make_law(LawSpec{LawKind::kQuartet, "BF16"}, shape);
  const std::vector<double> truth{std::log(1.5e5), 0.59, std::log(5.3e5), 0.54, std::log(1.35), 0.27};
  const auto obs = synthetic(*law, truth, {{"BF16", "BF16"}}, 6);
  FitOptions o = default_fit_options(LawKind::kQuartet);
  o.fixed = {{"gamma", 0.3}, {"E", std::log(1.4)}};
  const FitResult fit = fit_law(*law, obs, o);
  EXPECT_EQ(fit.value("gamma"), 0.3);
  EXPECT_EQ(fit.value("e"), std::log(1.4));
  EXPECT_TRUE(fit.fixed[law->index_of("gamma")]);
  EXPECT_EQ(fit.num_free, 4u);
  EXPECT_EQ(fit.num_starts, 81u);  // the grid's gamma and e axes are dropped: 3·3·3·3
}

TEST(FitOptionsTest, UnknownParameterNamesAreAllReported) {
  const std::vector<Observation> shape{{1, 1, 1, "BF16", "BF16", ""}};
  const auto law = make_law(LawSpec{LawKind::kChinchilla, "BF16"}, shape);
  FitOptions o;
  o.fixed = {{"gamma", 1.0}, {"delta", 2.0}};
  try {
    o.validate(*law);
    FAIL() << "expected a UserInputError";
  } catch (const UserInputError& e) {
    EXPECT_EQ(e.problems().size(), 2u);
    EXPECT_NE(std::string(e.what()).find("fixed.gamma"), std::string::npos) << e.what();
  }
}

TEST(FitFailures, StartsThatOverflowAreCountedAsFailed) {
  const std::vector<Observation> shape{{1, 1, 1, "BF16", "BF16", ""}};
  const auto law = make_law(LawSpec{LawKind::kChinchilla, "BF16"}, shape);
  const std::vector<double> truth{std::log(400.0), 0.34, std::log(410.0), 0.28, std::log(1.7)};
  const auto obs = synthetic(*law, truth, {{"BF16", "BF16"}}, 7);
  FitOptions o = default_fit_options(LawKind::kChinchilla);
  // e = 800 overflows exp() at the start: those starts must be counted, the others still fit.
  o.grid =
      StartGrid{{{"e", {0.5, 800.0, 900.0}}, {"a", {5.0}}, {"b", {5.0}}, {"alpha", {0.3}}, {"beta", {0.3}}}};
  const FitResult fit = fit_law(*law, obs, o);
  EXPECT_EQ(fit.num_starts, 3u);
  EXPECT_EQ(fit.failed_starts, 2u);
  EXPECT_EQ(fit.best_start, 0u);
  o.grid = StartGrid{{{"e", {800.0}}}};
  EXPECT_THROW((void)fit_law(*law, obs, o), Error);
}

TEST(HeldOut, RefitWithoutTheLargestModelPredictsIt) {
  const std::vector<Observation> shape{{1, 1, 1, "BF16", "BF16", ""}};
  const auto law = make_law(LawSpec{LawKind::kChinchilla, "BF16"}, shape);
  const std::vector<double> truth{std::log(400.0), 0.34, std::log(410.0), 0.28, std::log(1.7)};
  const auto obs = synthetic(*law, truth, {{"BF16", "BF16"}}, 8);
  const HeldOutCheck check = held_out_largest_model(*law, obs, default_fit_options(LawKind::kChinchilla));
  EXPECT_EQ(check.held_out_n, 4e8);
  EXPECT_EQ(check.predictions.size(), 6u);
  EXPECT_EQ(check.refit.num_points, 24u);
  EXPECT_LT(check.mean_abs_log_error, 5 * kNoise);
  EXPECT_GE(check.max_abs_log_error, check.mean_abs_log_error);
}

}  // namespace
}  // namespace lps::analysis
