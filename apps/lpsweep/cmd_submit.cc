// `lpsweep submit SWEEP`: add a sweep's runs to its store. Idempotent: runs already in the store (by key) are
// never touched, so the same sweep twice adds nothing and an edited sweep adds only its new runs.
#include "commands.h"
#include "sweep_cli.h"

#include <lps/config/load_sweep.h>

namespace lps::cli {

void add_submit_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("submit", "Add a sweep's runs to its store (idempotent: finished runs are never touched)");
  auto file = std::make_shared<std::string>();
  auto store_path = std::make_shared<std::string>();
  cmd->add_option("SWEEP", *file, "Sweep file (YAML)")->required();
  cmd->add_option("--store", *store_path, "Store to use instead of the sweep file's: SQLite path, sqlite:PATH or postgresql://URL");
  cmd->callback([file, store_path] {
    auto spec = config::load_sweep_file(*file);
    if (!store_path->empty()) spec.store = *store_path;
    auto store = store::Store::open(spec.store);
    (void)submit_sweep(spec, store);
  });
}

}  // namespace lps::cli
