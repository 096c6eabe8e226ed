// The lpsweep subcommands. Each add_*_command registers one subcommand on the CLI11 app; its callback
// runs the command and throws lps::Error (or ExitWith) on failure. Files: cmd_<name>.cc.
#pragma once

#include <CLI/CLI.hpp>

namespace lps::cli {

// Thrown by a command to end with a given exit code after printing its own output.
struct ExitWith {
  int code;
};

// Exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command ran and failed (I/O, run failures)
inline constexpr int kExitUsage = 2;    // bad command line or bad input files

void add_submit_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_worker_command(CLI::App& app);
void add_slurm_command(CLI::App& app);
void add_status_command(CLI::App& app);
void add_runs_command(CLI::App& app);
void add_cancel_command(CLI::App& app);
void add_retry_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_fit_command(CLI::App& app);
void add_recommend_command(CLI::App& app);
void add_plot_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_tokenize_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_rank_command(CLI::App& app);  // hidden: a follower rank of a data-parallel run (cmd_rank.cc)
void add_store_command(CLI::App& app);  // store migrate (cmd_store.cc)

}  // namespace lps::cli
