// `lpsweep rank` (hidden): one follower rank (1 … world-1) of a data-parallel run. The worker that claimed
// the run (rank 0) starts it; users never do (docs/data-parallel.md). It dies with its parent (and leaves
// SIGINT/SIGTERM to it), joins rank 0's
// rendezvous, reads the run's spec from it and trains its slice of every step; it writes nothing.
#include "commands.h"

#ifdef LPS_HAVE_TORCH
#include <lps/core/error.h>
#include <lps/runner/rank_processes.h>
#include <lps/train/distributed.h>

#include <fmt/format.h>

#include <charconv>
#endif

namespace lps::cli {

#ifdef LPS_HAVE_TORCH
void add_rank_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("rank", "A follower rank of a data-parallel run (started by lpsweep worker)");
  cmd->group("");  // hidden from --help
  struct Flags {
    std::string connect;  // host:port
    int rank = 0;
    int world = 0;
    std::string device = "cpu";
    double timeout_s = 600;
    double bucket_mb = train::kDefaultBucketMb;
    long parent = 0;
  };
  auto flags = std::make_shared<Flags>();
  cmd->add_option("--connect", flags->connect, "rank 0's rendezvous, host:port")->required();
  cmd->add_option("--rank", flags->rank, "this rank (1 … world-1)")->required();
  cmd->add_option("--world", flags->world, "ranks in the run")->required();
  cmd->add_option("--device", flags->device, "cpu or cuda:N");
  cmd->add_option("--timeout", flags->timeout_s, "rendezvous and collective timeout, seconds");
  cmd->add_option("--bucket-mb", flags->bucket_mb, "gradient all-reduce bucket size, MB (0 = one after the backward)");
  cmd->add_option("--parent", flags->parent, "pid of rank 0's worker: exit when it does");
  cmd->callback([flags] {
    runner::prepare_follower_process(static_cast<pid_t>(flags->parent));
    train::RankOptions options;
    const auto colon = flags->connect.rfind(':');
    int port = 0;
    const char* digits = colon == std::string::npos ? nullptr : flags->connect.c_str() + colon + 1;
    if (digits == nullptr || std::from_chars(digits, flags->connect.c_str() + flags->connect.size(), port).ec != std::errc()) {
      throw Error(ErrorKind::kUserInput, fmt::format("--connect '{}': expected host:port", flags->connect));
    }
    options.host = flags->connect.substr(0, colon);
    options.port = port;
    options.rank = flags->rank;
    options.world = flags->world;
    options.timeout_s = flags->timeout_s;
    options.bucket_mb = flags->bucket_mb;
    (void)train::run_follower_rank(options, flags->device);
  });
}
#else
void add_rank_command(CLI::App&) {}
#endif

}  // namespace lps::cli
