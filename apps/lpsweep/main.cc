// lpsweep: low-precision scaling-law experiments from the command line.
// This file only builds the CLI and maps errors to exit codes; each subcommand lives in cmd_<name>.cc.
#include "commands.h"
#include "sweep_analysis.h"

#include <lps/core/diagnostic.h>
#include <lps/core/error.h>
#include <lps/core/log.h>

#include <fmt/format.h>

#include <cstdio>
#include <exception>

namespace {

constexpr const char* kUsage = "usage: lpsweep [--help] [--version] COMMAND [ARGS...]  (lpsweep --help lists the commands)";

void build_app(CLI::App& app) {
  app.set_version_flag("--version", std::string("lpsweep ") + LPS_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);
  lps::cli::add_submit_command(app);
  lps::cli::add_run_command(app);
  lps::cli::add_worker_command(app);
  lps::cli::add_slurm_command(app);
  lps::cli::add_status_command(app);
  lps::cli::add_runs_command(app);
  lps::cli::add_cancel_command(app);
  lps::cli::add_retry_command(app);
  lps::cli::add_export_command(app);
  lps::cli::add_fit_command(app);
  lps::cli::add_recommend_command(app);
  lps::cli::add_plot_command(app);
  lps::cli::add_bench_command(app);
  lps::cli::add_tokenize_command(app);
  lps::cli::add_info_command(app);
  lps::cli::add_rank_command(app);
  lps::cli::add_store_command(app);
  lps::cli::install_sweep_observation_source();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"lpsweep — low-precision scaling-law experiments: sweep, train, fit, recommend."};
  build_app(app);
  try {
    app.parse(argc, argv);
    return lps::cli::kExitOk;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 reports a stray word as "a subcommand is required"; name the word the user typed instead.
    const auto extras = app.remaining();
    std::string message = e.what();
    if (!extras.empty() && app.get_subcommands().empty()) {
      message = extras.front().rfind('-', 0) == 0 ? fmt::format("unknown option '{}'", extras.front())
                                                   : fmt::format("unknown command '{}'", extras.front());
    }
    std::fprintf(stderr, "lpsweep: error: %s\n%s\n", message.c_str(), kUsage);
    return lps::cli::kExitUsage;
  } catch (const lps::cli::ExitWith& e) {
    return e.code;
  } catch (const lps::UserInputError& e) {
    std::fprintf(stderr, "%s\nlpsweep: %zu problem%s in the input; nothing was changed.\n", e.what(),
                 e.problems().size(), e.problems().size() == 1 ? "" : "s");
    return lps::cli::kExitUsage;
  } catch (const lps::Error& e) {
    std::fprintf(stderr, "lpsweep: %s: %s\n", lps::to_string(e.kind()), e.what());
    return e.kind() == lps::ErrorKind::kUserInput ? lps::cli::kExitUsage : lps::cli::kExitFailure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lpsweep: error: %s\n", e.what());
    return lps::cli::kExitFailure;
  }
}
