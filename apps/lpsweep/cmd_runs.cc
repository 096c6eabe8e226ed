// `lpsweep runs`: List a sweep's runs, filterable by state, scheme and size.
// Not built yet: the library pieces it wires together arrive with issue #3. Until then the command
// exists (so --help shows the whole tool) and says plainly that it cannot run; it never pretends to work.
#include "commands.h"

#include <lps/core/error.h>

namespace lps::cli {

void add_runs_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("runs", "List a sweep's runs, filterable by state, scheme and size");
  cmd->allow_extras();
  cmd->callback([] {
    throw Error(ErrorKind::kUserInput,
                "'lpsweep runs' is not available in this version yet (tracked in issue #3)");
  });
}

}  // namespace lps::cli
