// `lpsweep retry [SWEEP | --store PATH] (RUN... | --all) [--include-diverged]`: put failed and cancelled
// runs back in the queue with their failure count reset. Diverged runs only when asked: they would diverge
// again with the same seed.
#include "commands.h"
#include "sweep_cli.h"

#include <lps/core/error.h>

#include <fmt/format.h>

namespace lps::cli {

void add_retry_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("retry", "Requeue failed or cancelled runs (by key, key prefix or label; or --all)");
  struct Flags {
    std::vector<std::string> words;
    StoreTargetFlags target;
    bool all = false;
    bool include_diverged = false;
  };
  auto flags = std::make_shared<Flags>();
  cmd->add_option("ARGS", flags->words, "SWEEP (unless --store) then RUN... (keys, key prefixes of ≥ 6, labels)");
  add_store_target_flags(cmd, flags->target);
  cmd->add_flag("--all", flags->all, "Requeue every failed and cancelled run of the sweep");
  cmd->add_flag("--include-diverged", flags->include_diverged, "Also requeue diverged runs");
  cmd->callback([flags] {
    std::string file;
    store::RunFilter filter;
    split_target_and_runs(flags->words, flags->target, file, filter.runs);
    if (filter.runs.empty() && !flags->all) {
      throw Error(ErrorKind::kUserInput, "name the runs to retry (key, key prefix or label), or pass --all");
    }
    const auto target = resolve_store_target(file, flags->target, false);
    auto store = open_existing_store(target.store_path);
    filter.sweep = target.sweep;
    const int n = store.retry(filter, flags->include_diverged);
    fmt::print("requeued {} run{}\n", n, n == 1 ? "" : "s");
  });
}

}  // namespace lps::cli
