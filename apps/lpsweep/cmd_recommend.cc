// `lpsweep recommend`: which precision configuration gives the lowest predicted loss for a training budget,
// with the probability (bootstrap) that it is the best, and optionally a region map over (N, D/N).
#include <fmt/format.h>
#include <lps/analysis/fit_report.h>
#include <lps/analysis/recommender.h>
#include <lps/core/error.h>
#include <lps/core/log.h>

#include "commands.h"
#include "fit_cli.h"

namespace lps::cli {
namespace {

struct RecommendFlags {
  FitInputFlags input;
  SpeedupFlags speedups;
  double n = 0, d = 0, flops = 0, d_over_n = 0;
  size_t bootstrap = 1000;
  bool map = false;
  std::string map_n = "1e8:1e11:13";
  std::string map_ratio = "10:10000:13";
};

analysis::Budget budget_from(const RecommendFlags& f) {
  if (f.flops > 0 && f.n > 0) return analysis::Budget::from_flops(f.flops, f.n);
  if (f.flops > 0 && f.d_over_n > 0) return analysis::Budget::from_flops_and_ratio(f.flops, f.d_over_n);
  if (f.n > 0 && f.d > 0) return analysis::Budget{f.n, f.d};
  if (f.n > 0 && f.d_over_n > 0) return analysis::Budget{f.n, f.n * f.d_over_n};
  throw Error(ErrorKind::kUserInput,
              "give a budget: --n N --d D, --n N --d-over-n R, --flops C --n N, or --flops C "
              "--d-over-n R");
}

void run_recommend(const RecommendFlags& f) {
  using namespace analysis;
  const Budget budget = budget_from(f);
  const FitRequest request = build_fit_request(f.input);
  const FitOutcome outcome = run_fit(request);
  const auto model = build_speedup_model(f.speedups, request.spec.baseline);
  const auto configs = build_configs(f.speedups, request);
  std::vector<std::vector<double>> samples;
  if (f.bootstrap > 0) {
    BootstrapOptions bo;
    bo.replicates = f.bootstrap;
    bo.threads = request.options.threads;
    samples = run_bootstrap(request, outcome, bo).samples;
  }
  fmt::print("law: {}\nspeedups: {}\n", outcome.fit.formula, model->describe());
  fmt::print("{}",
             format_recommendation(recommend(*outcome.law, outcome.x(), configs, *model, budget, samples)));
  if (f.map) {
    const RegionMap map =
        region_map(*outcome.law, outcome.x(), configs, *model, parse_log_range(f.map_n, "--map-n"),
                   parse_log_range(f.map_ratio, "--map-ratio"));
    fmt::print("{}", format_region_map(map));
  }
}

}  // namespace

void add_recommend_command(CLI::App& app) {
  auto flags = std::make_shared<RecommendFlags>();
  auto* cmd =
      app.add_subcommand("recommend", "Recommend the precision with the lowest predicted loss for a budget");
  add_fit_input_flags(cmd, flags->input);
  add_speedup_flags(cmd, flags->speedups);
  cmd->add_option("--n", flags->n, "model size N of the budget (parameters)");
  cmd->add_option("--d", flags->d, "tokens D of the budget");
  cmd->add_option("--flops", flags->flops, "training FLOPs C = 6ND (with --n or --d-over-n)");
  cmd->add_option("--d-over-n", flags->d_over_n, "tokens per parameter D/N");
  cmd->add_option("--bootstrap", flags->bootstrap, "bootstrap refits for the probability-best (0: none)")
      ->capture_default_str();
  cmd->add_flag("--map", flags->map, "also print the region map of winners over (N, D/N)");
  cmd->add_option("--map-n", flags->map_n, "map model sizes LO:HI:COUNT (log-spaced)")->capture_default_str();
  cmd->add_option("--map-ratio", flags->map_ratio, "map D/N values LO:HI:COUNT (log-spaced)")
      ->capture_default_str();
  cmd->footer(
      "Example (Quartet on an RTX 5090, speedups vs FP8 from the paper):\n"
      "  lpsweep recommend --csv ../shared/fixtures/quartet_repo_losses.csv --loss-col c4_val_loss \\\n"
      "      --fwd-col fwd_quantizer --bwd-col bwd_quantizer --where in_init_commit_6ddd368=1 \\\n"
      "      --speedups table --speedup-csv ../shared/fixtures/quartet_rtx5090_speedups_vs_fp8.csv \\\n"
      "      --speedup-config QuEST/AlbertTsengQuantizer --n 7e9 --d-over-n 1000 --map");
  cmd->callback([flags] { run_recommend(*flags); });
}

}  // namespace lps::cli
