// `lpsweep plot`: loss vs D per model size with the fitted curves per scheme, residuals, and (with a speedup
// model) the region map, as PNG and SVG. C++ writes plot_data.json; analysis/plot/plot_fit.py (matplotlib)
// draws it, run with $LPS_PYTHON, else the project's .venv/bin/python3, else python3.
#include <fmt/format.h>
#include <lps/analysis/plot_data.h>
#include <lps/analysis/resources.h>
#include <lps/core/error.h>
#include <lps/core/log.h>

#include <filesystem>
#include <fstream>

#include "commands.h"
#include "text_file.h"
#include "fit_cli.h"

namespace lps::cli {
namespace {

namespace fs = std::filesystem;

struct PlotFlags {
  FitInputFlags input;
  SpeedupFlags speedups;
  std::string out = "plots";
  std::string formats = "png,svg";
  bool map = false;
  std::string map_n = "1e8:1e11:40";
  std::string map_ratio = "10:10000:40";
};

void run_plot(const PlotFlags& f) {
  using namespace analysis;
  const FitRequest request = build_fit_request(f.input);
  const FitOutcome outcome = run_fit(request);
  std::optional<RegionMap> map;
  if (f.map) {
    const auto model = build_speedup_model(f.speedups, request.spec.baseline);
    map = region_map(*outcome.law, outcome.x(), build_configs(f.speedups, request), *model,
                     parse_log_range(f.map_n, "--map-n"), parse_log_range(f.map_ratio, "--map-ratio"));
  }
  fs::create_directories(f.out);
  const fs::path data = fs::path(f.out) / "plot_data.json";
  write_text_file(data, plot_data_json(outcome, map ? &*map : nullptr));
  const std::string python = python_executable();
  const int rc = run_python(plot_script_path(), {data.string(), f.out, "--formats", f.formats});
  if (rc != 0) {
    throw Error(
        ErrorKind::kRun,
        fmt::format("plotting failed ({} exited with status {}). The plot data is in {}. lpsweep draws with "
                    "matplotlib: run scripts/setup.sh (installs it into .venv) or set LPS_PYTHON to a python "
                    "with matplotlib.",
                    python, rc, data.string()));
  }
}

}  // namespace

void add_plot_command(CLI::App& app) {
  auto flags = std::make_shared<PlotFlags>();
  auto* cmd =
      app.add_subcommand("plot", "Plot losses, fitted curves, residuals and the precision region map");
  add_fit_input_flags(cmd, flags->input);
  add_speedup_flags(cmd, flags->speedups);
  cmd->add_option("--out", flags->out, "output folder")->capture_default_str();
  cmd->add_option("--formats", flags->formats, "comma-separated image formats")->capture_default_str();
  cmd->add_flag("--map", flags->map, "also draw the region map (uses the speedup flags)");
  cmd->add_option("--map-n", flags->map_n, "map model sizes LO:HI:COUNT")->capture_default_str();
  cmd->add_option("--map-ratio", flags->map_ratio, "map D/N values LO:HI:COUNT")->capture_default_str();
  cmd->callback([flags] { run_plot(*flags); });
}

}  // namespace lps::cli
