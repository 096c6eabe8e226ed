// `lpsweep bench fit`: times the 486-start Quartet fit and Epoch's 4,500-start Chinchilla grid against
// scipy's least_squares on the same data and starts (analysis/bench/scipy_fit_bench.py), in the same run.
// Data: the Quartet paper's 23 Table-6 points from ../shared/fixtures by default, or --csv with the usual
// flags.
#include <fmt/format.h>
#include <lps/analysis/fit_bench.h>
#include <lps/analysis/observation_csv.h>
#include <lps/analysis/resources.h>
#include <lps/core/error.h>

#include <filesystem>

#include "bench_commands.h"

namespace lps::cli {
namespace {

struct BenchFitFlags {
  std::string csv;
  std::string n_col = "N", d_col = "D", loss_col = "c4_val_loss";
  std::vector<std::string> where;
  int threads = 0;
  int repeats = 5;
  bool no_scipy = false;
  size_t scipy_limit = 0;
};

void run_bench_fit(const BenchFitFlags& f) {
  using namespace analysis;
  std::string csv = f.csv;
  std::vector<std::string> where = f.where;
  if (csv.empty()) {
    const auto fixture = analysis::fixtures_dir() / "quartet_repo_losses.csv";
    if (!std::filesystem::exists(fixture)) {
      throw Error(ErrorKind::kUserInput,
                  fmt::format("no --csv given and the published data is not at {}; pass --csv "
                              "FILE --where ...",
                              fixture.string()));
    }
    csv = fixture.string();
    if (where.empty()) where = {"used_in_paper_table6_base_fit=1"};
  }
  CsvColumns cols;
  cols.n = f.n_col;
  cols.d = f.d_col;
  cols.loss = f.loss_col;
  std::vector<RowFilter> filters;
  for (const auto& w : where) filters.push_back(parse_row_filter(w));
  const auto obs = read_observations_csv(csv, cols, filters);
  fmt::print("data: {} points from {}\n", obs.size(), csv);
  FitBenchOptions o;
  o.threads = f.threads;
  o.repeats = f.repeats;
  o.run_scipy = !f.no_scipy;
  o.scipy_limit = f.scipy_limit;
  fmt::print("{}", format_fit_bench(run_fit_bench(obs, o)));
}

}  // namespace

void add_bench_fit(CLI::App& bench) {
  auto flags = std::make_shared<BenchFitFlags>();
  auto* cmd = bench.add_subcommand(
      "fit", "Time the multi-start fitter against scipy least_squares on the same starts");
  cmd->add_option("--csv", flags->csv, "data (default: the Quartet Table-6 points from ../shared/fixtures)");
  cmd->add_option("--n-col", flags->n_col)->capture_default_str();
  cmd->add_option("--d-col", flags->d_col)->capture_default_str();
  cmd->add_option("--loss-col", flags->loss_col)->capture_default_str();
  cmd->add_option("--where", flags->where, "row filters COL=VALUE (repeatable)");
  cmd->add_option("--threads", flags->threads, "fitter threads (0: all cores)")->capture_default_str();
  cmd->add_option("--repeats", flags->repeats, "timed repetitions of our fit (median reported)")
      ->capture_default_str();
  cmd->add_flag("--no-scipy", flags->no_scipy, "skip the scipy baseline");
  cmd->add_option("--scipy-limit", flags->scipy_limit,
                  "run only the first K starts in scipy and scale its time")
      ->capture_default_str();
  cmd->callback([flags] { run_bench_fit(*flags); });
}

}  // namespace lps::cli
