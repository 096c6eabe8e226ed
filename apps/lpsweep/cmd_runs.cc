// `lpsweep runs [SWEEP | --store PATH] [--state S] [--scheme NAME]`: list runs, one line each.
#include "commands.h"
#include "sweep_cli.h"

#include <lps/core/clock.h>
#include <lps/core/error.h>

#include <fmt/format.h>

namespace lps::cli {

void add_runs_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("runs", "List the runs of a sweep or store, filtered by state or scheme");
  struct Flags {
    std::string file;
    StoreTargetFlags target;
    std::vector<std::string> states;
    std::string scheme;
  };
  auto flags = std::make_shared<Flags>();
  cmd->add_option("SWEEP", flags->file, "Sweep file; or use --store");
  add_store_target_flags(cmd, flags->target);
  cmd->add_option("--state", flags->states, "Only runs in these states (comma-separated)")->delimiter(',');
  cmd->add_option("--scheme", flags->scheme, "Only runs of this precision scheme");
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
    }
    fmt::print("{} run{}\n", runs.size(), runs.size() == 1 ? "" : "s");
  });
}

}  // namespace lps::cli
