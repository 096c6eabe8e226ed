// `lpsweep bench <what>`: benchmarks of this machine — kernels, fit, train — each a sub-subcommand defined
// in its own cmd_bench_<what>.cc (see bench_commands.h).
#include "bench_commands.h"
#include "commands.h"

namespace lps::cli {

void add_bench_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Benchmark kernels, linear layers, training steps and the fitter on this machine");
  cmd->require_subcommand(1);
  add_bench_kernels(*cmd);
  if (add_bench_fit != nullptr) add_bench_fit(*cmd);
  if (add_bench_train != nullptr) add_bench_train(*cmd);
}

}  // namespace lps::cli
