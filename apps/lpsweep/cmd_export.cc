// `lpsweep export`: Export runs or fits as CSV or JSON.
// Not built yet: the library pieces it wires together arrive with issue #3. Until then the command
// exists (so --help shows the whole tool) and says plainly that it cannot run; it never pretends to work.
#include "commands.h"

#include <lps/core/error.h>

namespace lps::cli {

void add_export_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Export runs or fits as CSV or JSON");
  cmd->allow_extras();
  cmd->callback([] {
    throw Error(ErrorKind::kUserInput,
                "'lpsweep export' is not available in this version yet (tracked in issue #3)");
  });
}

}  // namespace lps::cli
