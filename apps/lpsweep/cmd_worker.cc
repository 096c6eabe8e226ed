// `lpsweep worker [SWEEP | --store PATH]`: claim and run queued runs until the queue is done (--forever: keep
// waiting). --gpus 0,1|all starts one worker process per GPU, --runs-per-gpu K packs K per GPU.
// SIGTERM/SIGINT: checkpoint, release the lease, exit 0 within 25 s.
#include "commands.h"
#include "sweep_cli.h"

namespace lps::cli {

void add_worker_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("worker", "Claim and run queued runs until the queue is empty (--forever to wait)");
  struct Flags {
    std::string file;
    StoreTargetFlags target;
    WorkerFlags worker;
  };
  auto flags = std::make_shared<Flags>();
  cmd->add_option("SWEEP", flags->file, "Sweep file (its store, its runs only); or use --store");
  add_store_target_flags(cmd, flags->target);
  add_worker_flags(cmd, flags->worker);
  cmd->callback([flags] {
    const auto target = resolve_store_target(flags->file, flags->target, /*check_data=*/false);
    if (target.spec) flags->worker.gpus_per_worker = target.spec->train.ranks;  // data parallel: GPU groups
    const int failed = run_workers(target.store_path, target.sweep, flags->worker);
    if (failed > 0) {
      std::fprintf(stderr, "lpsweep worker: %d worker process(es) failed\n", failed);
      throw ExitWith{kExitFailure};
    }
  });
}

}  // namespace lps::cli
