#include "sweep_analysis.h"
#include "text_file.h"

#include "fit_cli.h"
#include "sweep_cli.h"

#include <lps/analysis/bootstrap.h>
#include <lps/analysis/fit_export.h>
#include <lps/analysis/fit_report.h>
#include <lps/analysis/fit_request.h>
#include <lps/analysis/held_out.h>
#include <lps/analysis/plot_data.h>
#include <lps/analysis/recommender.h>
#include <lps/analysis/resources.h>
#include <lps/analysis/speedup_model.h>
#include <lps/config/load_sweep.h>
#include <lps/core/error.h>
#include <lps/core/log.h>
#include <lps/plan/expand.h>
#include <lps/plan/run_spec_json.h>
#include <lps/quant/scheme.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace lps::cli {
namespace {

namespace fs = std::filesystem;

// Whether the forward (operands 0, 1) and backward (2..5) GEMMs of a scheme are quantized.
quant::QuantizedSides quantized_parts(const plan::SchemeSpec& scheme) {
  if (!scheme.preset.empty()) {
    const auto preset = quant::preset_scheme(scheme.preset);
    LPS_CHECK(preset.has_value(), "unknown preset '{}' in a stored run", scheme.preset);
    return quant::quantized_sides(*preset);
  }
  const plan::OperandSpec* ops[] = {&scheme.fwd_x, &scheme.fwd_w, &scheme.bwd_dy, &scheme.bwd_w, &scheme.bwd_dyt, &scheme.bwd_xt};
  std::array<quant::Format, quant::kNumOperands> formats{};
  for (int i = 0; i < quant::kNumOperands; ++i) {
    const auto f = quant::parse_format(ops[i]->format);
    LPS_CHECK(f.has_value(), "unknown format '{}' in scheme '{}'", ops[i]->format, scheme.name);
    formats[static_cast<size_t>(i)] = *f;
  }
  return quant::quantized_sides(formats);
}

}  // namespace

std::vector<analysis::Observation> sweep_observations(const store::Store& store, const std::string& sweep,
                                                      const std::string& baseline,
                                                      std::vector<std::string>* excluded_out) {
  store::RunFilter filter;
  filter.sweep = sweep;
  std::vector<analysis::Observation> out;
  std::vector<std::string> excluded;
  for (const auto& row : store.runs(filter)) {
    if (row.state != store::RunState::kCompleted || !row.final_eval_loss) {
      if (row.state == store::RunState::kDiverged || row.state == store::RunState::kFailed) {
        excluded.push_back(fmt::format("{} ({}{}{})", row.label, to_string(row.state), row.error.empty() ? "" : ": ",
                                       row.error));
      }
      continue;
    }
    const auto json = store.run_spec_json(row.key);
    LPS_CHECK(json.has_value(), "run {} has no stored spec", row.key);
    const plan::RunSpec spec = plan::run_spec_from_json(*json);
    const quant::QuantizedSides q = quantized_parts(spec.scheme);
    analysis::Observation o;
    o.n = static_cast<double>(row.n_params);
    o.d = static_cast<double>(row.tokens);
    o.loss = *row.final_eval_loss;
    o.fwd = q.fwd ? spec.scheme.name : baseline;
    o.bwd = q.bwd ? spec.scheme.name : baseline;
    o.label = row.label;
    out.push_back(std::move(o));
  }
  if (!excluded.empty()) {
    log_warn("the fit excludes {} run(s) that did not complete:", excluded.size());
    for (const auto& e : excluded) log_warn("  {}", e);
  }
  if (excluded_out != nullptr) *excluded_out = excluded;
  return out;
}

std::map<std::string, double> sweep_scheme_bits(const config::SweepSpec& spec) {
  std::map<std::string, double> bits;
  for (const auto& run : plan::expand(spec)) {
    const quant::QuantizedSides q = quantized_parts(run.scheme);
    // One label serves both passes (see sweep_observations); a scheme quantizing both uses the wider format.
    const int b = q.fwd && q.bwd ? std::max(q.fwd_bits, q.bwd_bits) : (q.fwd ? q.fwd_bits : q.bwd_bits);
    bits[run.scheme.name] = b;
  }
  return bits;
}

void install_sweep_observation_source() {
  set_sweep_observation_source([](const std::string& sweep_file) {
    const StoreTarget target = resolve_store_target(sweep_file, {}, /*check_data=*/false);
    const auto store = open_existing_store(target.store_path);
    const std::string baseline = target.spec && target.spec->fit.present ? target.spec->fit.baseline : "bf16";
    return sweep_observations(store, target.sweep, baseline);
  });
}

void after_sweep_analysis(const config::SweepSpec& spec, store::Store& store) {
  using namespace analysis;
  const auto& fit = spec.fit;
  if (!fit.present) {
    fmt::print("the sweep has no fit: section; fit later with `lpsweep fit --sweep {}`\n", spec.file);
    return;
  }
  FitRequest request;
  request.spec.kind = parse_law_kind(fit.form);
  request.spec.baseline = fit.baseline;
  request.mode = FitMode::kStaged;
  request.options = default_fit_options(request.spec.kind);
  if (fit.huber_delta > 0) request.options.huber_delta = fit.huber_delta;
  for (const auto& [name, value] : fit.fixed) request.options.fixed.emplace_back(name, value);
  std::vector<std::string> excluded;
  request.observations = sweep_observations(store, spec.name, fit.baseline, &excluded);
  if (request.observations.empty()) {
    throw Error(ErrorKind::kRun, fmt::format("sweep {}: no completed runs to fit", spec.name));
  }
  log_info("fitting the {} law to {} completed runs (baseline {})", fit.form, request.observations.size(),
           fit.baseline);
  const FitOutcome outcome = run_fit(request);

  std::optional<BootstrapResult> boot;
  BootstrapOptions bo;
  bo.replicates = static_cast<size_t>(std::max(0, fit.bootstrap));
  bo.seed = fit.bootstrap_seed;
  if (bo.replicates > 0) {
    log_info("bootstrap: {} refits", bo.replicates);
    boot = run_bootstrap(request, outcome, bo);
  }
  std::optional<HeldOutCheck> held;
  try {
    held = run_held_out(request);
  } catch (const Error& e) {
    log_warn("held-out check skipped: {}", e.what());
  }
  std::string report = format_fit_report(outcome, boot ? &*boot : nullptr, held ? &*held : nullptr, true);
  // Say in the report itself (not only the log) which runs the fit left out, e.g. a diverged run.
  if (!excluded.empty()) {
    report += fmt::format("\nexcluded from the fit: {} run(s) that did not complete\n", excluded.size());
    for (const auto& e : excluded) report += fmt::format("  {}\n", e);
  }
  fmt::print("{}", report);

  // Recommendation: the budget of the sweep's largest run, scaled 10× in N (same D/N), bit-count speedups.
  double n_max = 0, d_max = 0;
  for (const auto& o : request.observations) {
    if (o.n * o.d > n_max * d_max) {
      n_max = o.n;
      d_max = o.d;
    }
  }
  const Budget budget{10 * n_max, 10 * d_max};
  const BitCountSpeedups speedups(sweep_scheme_bits(spec), fit.baseline, 16);
  SpeedupFlags no_flags;
  const auto configs = build_configs(no_flags, request);
  std::vector<std::vector<double>> samples;
  if (boot) samples = boot->samples;
  const Recommendation rec = recommend(*outcome.law, outcome.x(), configs, speedups, budget, samples);
  const std::string rec_text = format_recommendation(rec);
  fmt::print("\nrecommended precision for N = {:.3g}, D = {:.3g} ({}):\n{}", budget.n_max, budget.d_max,
             speedups.describe(), rec_text);

  const RegionMap map = region_map(*outcome.law, outcome.x(), configs, speedups, log_space(n_max, 1e4 * n_max, 40),
                                   log_space(5, 5000, 40));
  const fs::path out_dir = spec.output;
  fs::create_directories(out_dir / "plots");
  write_text_file(out_dir / "fit.json", export_fit_json(request, outcome, FitExtras{boot ? &*boot : nullptr, &bo,
                                                                              held ? &*held : nullptr}));
  write_text_file(out_dir / "fit_report.txt", report + "\n" + rec_text + "\n" + format_region_map(map));
  const fs::path data = out_dir / "plots" / "plot_data.json";
  write_text_file(data, plot_data_json(outcome, &map));
  const int rc = run_python(plot_script_path(), {data.string(), (out_dir / "plots").string(), "--formats", "png,svg"});
  if (rc != 0) {
    log_warn("plotting failed ({} exited with {}); the plot data is in {}", python_executable(), rc, data.string());
  }
  fmt::print("\nfit:     {}\nreport:  {}\nplots:   {}\n", (out_dir / "fit.json").string(),
             (out_dir / "fit_report.txt").string(), rc == 0 ? (out_dir / "plots").string() : "(not drawn)");
}

}  // namespace lps::cli
