// The fitter benchmark against scipy's least_squares on the same starts.
#include <fmt/format.h>
#include <lps/analysis/fit_bench.h>
#include <lps/analysis/fitter.h>
#include <lps/analysis/resources.h>
#include <lps/core/error.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

namespace lps::analysis {
namespace {

struct Problem {
  std::string name;
  LawKind kind;
  double delta;
  StartGrid grid;
};

// The grid's starts as full parameter vectors in the law's order (what scipy's residual takes).
std::vector<std::vector<double>> starts_in_law_order(const LawForm& law, const StartGrid& grid) {
  std::vector<std::vector<double>> out;
  for (size_t s = 0; s < grid.size(); ++s) {
    std::vector<double> x(law.num_core());
    for (size_t i = 0; i < x.size(); ++i) x[i] = law.default_start(i);
    const auto values = grid.start(s);
    for (size_t k = 0; k < values.size(); ++k) x[law.index_of(grid.axes[k].first)] = values[k];
    out.push_back(x);
  }
  return out;
}

}  // namespace

FitBenchReport run_fit_bench(const std::vector<Observation>& observations, const FitBenchOptions& options) {
  FitBenchReport report;
  report.threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  const std::vector<Problem> problems{
      {"quartet", LawKind::kQuartet, kQuartetHuberDelta, quartet_stage1_grid()},
      {"chinchilla", LawKind::kChinchilla, kEpochHuberDelta, epoch_chinchilla_grid()}};
  std::vector<Observation> base;
  for (const auto& o : observations) base.push_back(Observation{o.n, o.d, o.loss, "", "", o.label});
  const std::vector<Observation> canonical = canonical_order(base);
  nlohmann::json spec;
  for (const auto& o : canonical) {
    spec["n"].push_back(o.n);
    spec["d"].push_back(o.d);
    spec["loss"].push_back(o.loss);
  }
  for (const Problem& p : problems) {
    const auto law = make_law(LawSpec{p.kind, "BF16"}, canonical);
    FitOptions fo = default_fit_options(p.kind);
    fo.huber_delta = p.delta;
    fo.grid = p.grid;
    fo.threads = options.threads;
    std::vector<double> times;
    FitResult fit;
    for (int r = 0; r < std::max(1, options.repeats); ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      fit = fit_law(*law, canonical, fo);
      times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    FitBenchCase c;
    c.name = p.name;
    c.starts = p.grid.size();
    c.ours_seconds = times[times.size() / 2];
    c.ours_failed = fit.failed_starts;
    c.ours_cost = fit.cost;
    report.cases.push_back(c);
    spec["problems"].push_back({{"name", p.name},
                                {"form", to_string(p.kind)},
                                {"delta", p.delta},
                                {"starts", starts_in_law_order(*law, p.grid)}});
  }
  if (!options.run_scipy) {
    report.scipy_note = "scipy not run (--no-scipy)";
    return report;
  }
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("lpsweep-bench-fit-{}", ::getpid());
  std::filesystem::create_directories(dir);
  const auto problem_path = dir / "problem.json", result_path = dir / "result.json";
  std::ofstream(problem_path) << spec.dump();
  std::vector<std::string> args{problem_path.string(), result_path.string()};
  if (options.scipy_limit > 0) {
    args.push_back("--limit");
    args.push_back(std::to_string(options.scipy_limit));
  }
  const int rc = run_python(bench_script_path(), args);
  if (rc != 0 || !std::filesystem::exists(result_path)) {
    report.scipy_note = fmt::format(
        "scipy baseline failed ({} exited with {}); install numpy and scipy in .venv "
        "(scripts/setup.sh) or set LPS_PYTHON",
        python_executable(), rc);
  } else {
    std::ifstream in(result_path);
    const auto result = nlohmann::json::parse(in);
    report.scipy_version = result.at("scipy").get<std::string>();
    for (const auto& r : result.at("results")) {
      for (auto& c : report.cases) {
        if (c.name != r.at("name").get<std::string>()) continue;
        c.scipy_seconds = r.at("seconds").get<double>();
        c.scipy_starts_run = r.at("starts_run").get<size_t>();
        c.scipy_failed = r.at("failed").get<size_t>();
        c.scipy_cost = r.at("best_cost").get<double>();
      }
    }
  }
  std::filesystem::remove_all(dir);
  return report;
}

std::string format_fit_bench(const FitBenchReport& report) {
  std::string s = fmt::format(
      "fitter benchmark: lpsweep on {} threads vs scipy {} least_squares (1 thread, same "
      "data and starts)\n",
      report.threads, report.scipy_version.empty() ? "(not run)" : report.scipy_version);
  s += fmt::format("{:<12} {:>7} {:>12} {:>8} {:>16} {:>12} {:>9} {:>16} {:>10} {:>9}\n", "problem", "starts",
                   "ours s", "failed", "ours cost", "scipy s", "failed", "scipy cost", "speedup", "costs");
  for (const auto& c : report.cases) {
    s += fmt::format("{:<12} {:>7} {:>12.4f} {:>8} {:>16.10g}", c.name, c.starts, c.ours_seconds,
                     c.ours_failed, c.ours_cost);
    if (c.scipy_seconds >= 0) {
      // Scale scipy's time to the full grid when only a prefix of the starts was run.
      const double full =
          c.scipy_seconds * static_cast<double>(c.starts) / static_cast<double>(c.scipy_starts_run);
      const bool agree =
          std::abs(c.scipy_cost - c.ours_cost) <= 1e-6 * c.scipy_cost || c.ours_cost < c.scipy_cost;
      s += fmt::format(" {:>12.4f} {:>9} {:>16.10g} {:>9.1f}x {:>9}", full, c.scipy_failed, c.scipy_cost,
                       full / c.ours_seconds, agree ? "agree" : "DIFFER");
      if (c.scipy_starts_run != c.starts)
        s += fmt::format("  (scipy ran {} starts, scaled)", c.scipy_starts_run);
    }
    s += "\n";
  }
  if (!report.scipy_note.empty()) s += report.scipy_note + "\n";
  return s;
}

}  // namespace lps::analysis
