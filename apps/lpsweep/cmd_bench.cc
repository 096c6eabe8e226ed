// `lpsweep bench`: Benchmark kernels, linear layers, training steps and the fitter on this machine.
// Not built yet: the library pieces it wires together arrive with issue #5. Until then the command
// exists (so --help shows the whole tool) and says plainly that it cannot run; it never pretends to work.
#include "commands.h"

#include <lps/core/error.h>

namespace lps::cli {

void add_bench_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Benchmark kernels, linear layers, training steps and the fitter on this machine");
  cmd->allow_extras();
  cmd->callback([] {
    throw Error(ErrorKind::kUserInput,
                "'lpsweep bench' is not available in this version yet (tracked in issue #5)");
  });
}

}  // namespace lps::cli
