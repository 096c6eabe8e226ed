// `lpsweep run`: Submit a sweep, run local workers until it is done, then fit and recommend (the main job).
// Not built yet: the library pieces it wires together arrive with issue #3. Until then the command
// exists (so --help shows the whole tool) and says plainly that it cannot run; it never pretends to work.
#include "commands.h"

#include <lps/core/error.h>

namespace lps::cli {

void add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Submit a sweep, run local workers until it is done, then fit and recommend (the main job)");
  cmd->allow_extras();
  cmd->callback([] {
    throw Error(ErrorKind::kUserInput,
                "'lpsweep run' is not available in this version yet (tracked in issue #3)");
  });
}

}  // namespace lps::cli
