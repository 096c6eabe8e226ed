// `lpsweep export fit --format json|csv`: a fit as schema-versioned JSON (law, method, settings, data subset,
// result with full-precision floats; `lpsweep fit --from-fit` refits it identically) or as a CSV of
// parameters. cmd_export.cc calls add_export_fit() to attach it.
#include "export_fit.h"
#include "text_file.h"

#include <fmt/format.h>
#include <lps/analysis/fit_export.h>
#include <lps/core/error.h>

#include <fstream>
#include <iostream>

#include "fit_cli.h"

namespace lps::cli {
namespace {

struct ExportFitFlags {
  FitInputFlags input;
  std::string format = "json";
  std::string out;
  size_t bootstrap = 1000;
};

void run_export_fit(const ExportFitFlags& f) {
  using namespace analysis;
  if (f.format != "json" && f.format != "csv") {
    throw Error(ErrorKind::kUserInput, fmt::format("--format '{}': choose json or csv", f.format));
  }
  const FitRequest request = build_fit_request(f.input);
  const FitOutcome outcome = run_fit(request);
  std::optional<BootstrapResult> boot;
  BootstrapOptions bo;
  bo.replicates = f.bootstrap;
  bo.threads = request.options.threads;
  if (f.bootstrap > 0) boot = run_bootstrap(request, outcome, bo);
  const FitExtras extras{boot ? &*boot : nullptr, &bo, nullptr};
  const std::string text =
      f.format == "json" ? export_fit_json(request, outcome, extras) : export_fit_csv(outcome, extras);
  if (f.out.empty() || f.out == "-") {
    std::cout << text;
    return;
  }
  write_text_file(f.out, text);
}

}  // namespace

void add_export_fit(CLI::App& export_cmd) {
  auto flags = std::make_shared<ExportFitFlags>();
  auto* cmd = export_cmd.add_subcommand("fit", "Export a fit as JSON (refittable) or CSV");
  add_fit_input_flags(cmd, flags->input);
  cmd->add_option("--format", flags->format, "json | csv")->capture_default_str();
  cmd->add_option("--out,-o", flags->out, "output file (default: stdout)");
  cmd->add_option("--bootstrap", flags->bootstrap, "bootstrap refits for intervals (0: none)")
      ->capture_default_str();
  cmd->callback([flags] { run_export_fit(*flags); });
}

}  // namespace lps::cli
