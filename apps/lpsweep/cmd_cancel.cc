// `lpsweep cancel [SWEEP | --store PATH] (RUN... | --all)`: cancel queued and running runs. Running ones are
// told through their heartbeat, stop at the next step, and nothing more they write is accepted.
#include "commands.h"
#include "sweep_cli.h"

#include <lps/core/error.h>

#include <fmt/format.h>

namespace lps::cli {

void add_cancel_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("cancel", "Cancel queued or running runs (by key, key prefix or label; or --all)");
  struct Flags {
    std::vector<std::string> words;
    StoreTargetFlags target;
    bool all = false;
  };
  auto flags = std::make_shared<Flags>();
  cmd->add_option("ARGS", flags->words, "SWEEP (unless --store) then RUN... (keys, key prefixes of ≥ 6, labels)");
  add_store_target_flags(cmd, flags->target);
  cmd->add_flag("--all", flags->all, "Cancel every queued and running run of the sweep");
  cmd->callback([flags] {
    std::string file;
    store::RunFilter filter;
    split_target_and_runs(flags->words, flags->target, file, filter.runs);
    if (filter.runs.empty() && !flags->all) {
      throw Error(ErrorKind::kUserInput, "name the runs to cancel (key, key prefix or label), or pass --all");
    }
    const auto target = resolve_store_target(file, flags->target, false);
    auto store = open_existing_store(target.store_path);
    filter.sweep = target.sweep;
    const int n = store.cancel(filter);
    fmt::print("cancelled {} run{}\n", n, n == 1 ? "" : "s");
  });
}

}  // namespace lps::cli
