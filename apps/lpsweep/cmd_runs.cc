// `lpsweep runs [SWEEP | --store PATH] [--state S] [--scheme NAME] [--attempts]`: list runs, one line each;
// --attempts adds each run's attempts beneath it (worker, start, duration, outcome, where it ran).
#include "commands.h"
#include "sweep_cli.h"

#include <lps/core/clock.h>
#include <lps/core/error.h>
#include <lps/store/attempt_info.h>

#include <fmt/format.h>

namespace lps::cli {
namespace {

// "    #2 w0  2026-12-03T10:00:00Z  3m 2s  lease_expired: <message>  [n7:4242, slurm job …]"
void print_attempts(const std::vector<store::AttemptRow>& attempts) {
  for (const auto& a : attempts) {
    const double end = a.ended.value_or(a.heartbeat);
    std::string line = fmt::format("    #{} {}  {}  {}{}  {}", a.attempt, a.worker, format_utc_iso8601(a.started),
                                   format_duration(std::max(0.0, end - a.started)), a.ended ? "" : " so far",
                                   a.outcome ? to_string(*a.outcome) : "running");
    if (!a.message.empty()) line += ": " + a.message;
    if (const auto where = store::describe_attempt_info(a.info); !where.empty()) line += "  [" + where + "]";
    fmt::print("{}\n", line);
  }
}

}  // namespace

void add_runs_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("runs", "List the runs of a sweep or store, filtered by state or scheme");
  struct Flags {
    std::string file;
    StoreTargetFlags target;
    std::vector<std::string> states;
    std::string scheme;
    bool attempts = false;
  };
  auto flags = std::make_shared<Flags>();
  cmd->add_option("SWEEP", flags->file, "Sweep file; or use --store");
  add_store_target_flags(cmd, flags->target);
  cmd->add_option("--state", flags->states, "Only runs in these states (comma-separated)")->delimiter(',');
  cmd->add_option("--scheme", flags->scheme, "Only runs of this precision scheme");
  cmd->add_flag("--attempts", flags->attempts,
                "Also list each run's attempts: worker, start, duration, outcome and message, and where it ran "
                "(host:pid; SLURM job, array task, restart count and node)");
  cmd->callback([flags] {
    const auto target = resolve_store_target(flags->file, flags->target, false);
    auto store = open_existing_store(target.store_path);
    store::RunFilter filter;
    filter.sweep = target.sweep;
    filter.states = parse_states(flags->states);
    filter.scheme = flags->scheme;
    const auto runs = store.runs(filter);
    fmt::print("{:<12} {:<36} {:>7} {:>7} {:<12} {:<9} {:>3} {:>9} {:>10} {:>8}  {}\n", "key", "label", "N", "D",
               "scheme", "state", "try", "eval loss", "tokens/s", "wall", "error");
    for (const auto& r : runs) {
      fmt::print("{:<12} {:<36} {:>7} {:>7} {:<12} {:<9} {:>3} {:>9} {:>10} {:>8}  {}\n", r.key.substr(0, 12), r.label,
                 format_count(static_cast<double>(r.n_params)), format_count(static_cast<double>(r.tokens)), r.scheme,
                 to_string(r.state), r.attempts,
                 r.final_eval_loss ? fmt::format("{:.4f}", *r.final_eval_loss) : "-",
                 r.tokens_per_s ? format_count(*r.tokens_per_s) : "-",
                 r.wall_s ? format_duration(*r.wall_s) : "-", r.error);
      if (flags->attempts) print_attempts(store.attempts(r.id));
    }
    fmt::print("{} run{}\n", runs.size(), runs.size() == 1 ? "" : "s");
  });
}

}  // namespace lps::cli
