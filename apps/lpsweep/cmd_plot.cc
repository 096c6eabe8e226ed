// `lpsweep plot`: Plot losses, fitted curves, residuals and the precision region map (PNG, SVG).
// Not built yet: the library pieces it wires together arrive with issue #6. Until then the command
// exists (so --help shows the whole tool) and says plainly that it cannot run; it never pretends to work.
#include "commands.h"

#include <lps/core/error.h>

namespace lps::cli {

void add_plot_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("plot", "Plot losses, fitted curves, residuals and the precision region map (PNG, SVG)");
  cmd->allow_extras();
  cmd->callback([] {
    throw Error(ErrorKind::kUserInput,
                "'lpsweep plot' is not available in this version yet (tracked in issue #6)");
  });
}

}  // namespace lps::cli
