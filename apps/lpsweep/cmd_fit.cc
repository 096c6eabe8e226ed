// `lpsweep fit`: Fit a low-precision scaling law to a sweep or a CSV of results.
// Not built yet: the library pieces it wires together arrive with issue #6. Until then the command
// exists (so --help shows the whole tool) and says plainly that it cannot run; it never pretends to work.
#include "commands.h"

#include <lps/core/error.h>

namespace lps::cli {

void add_fit_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("fit", "Fit a low-precision scaling law to a sweep or a CSV of results");
  cmd->allow_extras();
  cmd->callback([] {
    throw Error(ErrorKind::kUserInput,
                "'lpsweep fit' is not available in this version yet (tracked in issue #6)");
  });
}

}  // namespace lps::cli
