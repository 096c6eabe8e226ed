// `lpsweep recommend`: Recommend the precision with the lowest predicted loss for a compute budget.
// Not built yet: the library pieces it wires together arrive with issue #6. Until then the command
// exists (so --help shows the whole tool) and says plainly that it cannot run; it never pretends to work.
#include "commands.h"

#include <lps/core/error.h>

namespace lps::cli {

void add_recommend_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("recommend", "Recommend the precision with the lowest predicted loss for a compute budget");
  cmd->allow_extras();
  cmd->callback([] {
    throw Error(ErrorKind::kUserInput,
                "'lpsweep recommend' is not available in this version yet (tracked in issue #6)");
  });
}

}  // namespace lps::cli
