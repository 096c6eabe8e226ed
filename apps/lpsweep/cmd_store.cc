// `lpsweep store migrate --from URL --to URL [--sweep NAME]... [--into-non-empty] [--include-running]`:
// copy sweeps with their whole history between stores (typically sqlite:FILE → postgresql://...), verified
// by row counts; the source is only read. docs/postgresql.md, "Moving a sweep to PostgreSQL".
#include "commands.h"

#include <lps/core/error.h>
#include <lps/store/store.h>
#include <lps/store/store_copy.h>
#include <lps/store/store_url.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace lps::cli {
namespace {

const char* backend_name(const std::string& url) {
  return store::parse_store_url(url).backend == store::StoreBackend::kPostgres ? "PostgreSQL" : "SQLite";
}

void run_migrate(const std::string& from_url, const std::string& to_url, const store::CopyOptions& options) {
  store::StoreOptions existing;
  existing.create = false;
  const auto from = store::Store::open(from_url, existing);
  auto to = store::Store::open(to_url);
  const auto report = store::copy_store(from, to, options);
  const auto& c = report.copied;
  fmt::print("copied {} sweep{} ({}) from {} ({}) to {} ({}):\n", report.sweeps.size(),
             report.sweeps.size() == 1 ? "" : "s", fmt::join(report.sweeps, ", "), from.path(), backend_name(from_url),
             to.path(), backend_name(to_url));
  fmt::print("  runs {}, attempts {}, metrics {}, checkpoints {}, fits {}, benchmarks {}{}\n", c.runs, c.attempts,
             c.metrics, c.checkpoints, c.fits, c.benchmarks,
             c.sweeps != static_cast<int64_t>(report.sweeps.size()) ? " (sweeps of the same name merged)" : "");
  if (report.runs_skipped > 0) {
    fmt::print("  skipped {} run{} whose key the destination already had (with their history)\n", report.runs_skipped,
               report.runs_skipped == 1 ? "" : "s");
  }
  if (report.running > 0) fmt::print("  {} run(s) copied while running: they are requeued there when their leases expire\n", report.running);
  fmt::print("  verified: the destination gained exactly these rows{}\n",
             report.runs_skipped == 0 ? ", the same counts the source holds" : "");
  fmt::print("The source is unchanged. Point the sweep's `store:` (or --store) at {} to use the copy.\n", to.path());
}

}  // namespace

void add_store_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("store", "Store maintenance: migrate sweeps between stores (SQLite, PostgreSQL)");
  cmd->require_subcommand(1);
  auto* migrate = cmd->add_subcommand(
      "migrate", "Copy sweeps with their whole history (runs, attempts, metrics, checkpoints, fits, benchmarks) "
                 "from one store to another, e.g. sqlite:FILE to postgresql://...");
  struct Flags {
    std::string from, to;
    store::CopyOptions options;
  };
  auto flags = std::make_shared<Flags>();
  migrate->add_option("--from", flags->from, "Source store: SQLite path, sqlite:PATH or postgresql://URL")->required();
  migrate->add_option("--to", flags->to, "Destination store: postgresql://URL, SQLite path or sqlite:PATH")->required();
  migrate->add_option("--sweep", flags->options.sweeps, "Copy only this sweep (repeatable; default: all)");
  migrate->add_flag("--into-non-empty", flags->options.into_non_empty,
                    "Allow a destination that holds data (runs whose key it has are skipped)");
  migrate->add_flag("--include-running", flags->options.include_running,
                    "Copy runs that are running in the source (stop its workers first if you can)");
  migrate->callback([flags] { run_migrate(flags->from, flags->to, flags->options); });
}

}  // namespace lps::cli
