// `lpsweep fit`: fit a low-precision scaling law to finished runs (a CSV now; a sweep once the store is
// wired) and print the law with bootstrap intervals, the report and the held-out check.
#include <fmt/format.h>
#include <lps/analysis/fit_export.h>
#include <lps/analysis/fit_report.h>
#include <lps/core/error.h>
#include <lps/core/log.h>

#include <fstream>

#include "commands.h"
#include "text_file.h"
#include "fit_cli.h"

namespace lps::cli {
namespace {

struct FitFlags {
  FitInputFlags input;
  size_t bootstrap = 1000;
  uint64_t seed = analysis::BootstrapOptions{}.seed;
  bool no_held_out = false;
  bool no_residuals = false;
  std::string json_out;
};

void run_fit_command(const FitFlags& f) {
  using namespace analysis;
  const FitRequest request = build_fit_request(f.input);
  log_info("fitting {} observations ({} law, {} mode)", request.observations.size(),
           to_string(request.spec.kind), to_string(request.mode));
  const FitOutcome outcome = run_fit(request);
  std::optional<BootstrapResult> boot;
  BootstrapOptions bo;
  bo.replicates = f.bootstrap;
  bo.seed = f.seed;
  bo.threads = request.options.threads;
  if (f.bootstrap > 0) boot = run_bootstrap(request, outcome, bo);
  std::optional<HeldOutCheck> held;
  if (!f.no_held_out) {
    try {
      held = run_held_out(request);
    } catch (const Error& e) {
      log_warn("held-out check skipped: {}", e.what());
    }
  }
  fmt::print("{}",
             format_fit_report(outcome, boot ? &*boot : nullptr, held ? &*held : nullptr, !f.no_residuals));
  if (!f.json_out.empty()) {
    write_text_file(f.json_out, export_fit_json(request, outcome,
                                                FitExtras{boot ? &*boot : nullptr, &bo, held ? &*held : nullptr}));
    log_info("wrote {}", f.json_out);
  }
}

}  // namespace

void add_fit_command(CLI::App& app) {
  auto flags = std::make_shared<FitFlags>();
  auto* cmd = app.add_subcommand("fit", "Fit a low-precision scaling law to a sweep or a CSV of results");
  add_fit_input_flags(cmd, flags->input);
  cmd->add_option("--bootstrap", flags->bootstrap, "bootstrap refits for the intervals (0: none)")
      ->capture_default_str();
  cmd->add_option("--seed", flags->seed, "bootstrap seed")->capture_default_str();
  cmd->add_flag("--no-held-out", flags->no_held_out, "skip the refit without the largest model size");
  cmd->add_flag("--no-residuals", flags->no_residuals, "omit the per-point residual table");
  cmd->add_option("--json", flags->json_out, "also write the fit as JSON (same as `lpsweep export fit`)");
  cmd->footer(
      "Example (the Quartet paper's Table 6):\n"
      "  lpsweep fit --csv ../shared/fixtures/quartet_repo_losses.csv --loss-col c4_val_loss \\\n"
      "      --fwd-col fwd_quantizer --bwd-col bwd_quantizer --where used_in_paper_table6_base_fit=1");
  cmd->callback([flags] { run_fit_command(*flags); });
}

}  // namespace lps::cli
