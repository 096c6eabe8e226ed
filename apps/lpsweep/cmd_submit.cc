// `lpsweep submit`: Add a sweep's runs to its store (idempotent: finished runs are never touched).
// Not built yet: the library pieces it wires together arrive with issue #3. Until then the command
// exists (so --help shows the whole tool) and says plainly that it cannot run; it never pretends to work.
#include "commands.h"

#include <lps/core/error.h>

namespace lps::cli {

void add_submit_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("submit", "Add a sweep's runs to its store (idempotent: finished runs are never touched)");
  cmd->allow_extras();
  cmd->callback([] {
    throw Error(ErrorKind::kUserInput,
                "'lpsweep submit' is not available in this version yet (tracked in issue #3)");
  });
}

}  // namespace lps::cli
