// A follower rank for the data-parallel trainer tests:
//   ddp_rank_child PORT RANK WORLD STEPS MICRO [DIE_AT [BUCKET_MB]]
// trains ddp_spec(STEPS, MICRO) as rank RANK of WORLD (rank 0 is the test process, listening on PORT) with
// gradient buckets of BUCKET_MB (RankOptions::bucket_mb; rank 0 must use the same) and checks at the end
// that its weights equal rank 0's (exit 0; 3 when they differ). DIE_AT > 0: SIGKILL itself after that many
// steps, as a crashed rank would.
#include "ddp_test_support.h"

#include <lps/train/distributed.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: ddp_rank_child PORT RANK WORLD STEPS MICRO [DIE_AT]\n");
    return 2;
  }
  torch::set_num_threads(1);
  lps::train::RankOptions options;
  options.port = std::atoi(argv[1]);
  options.rank = std::atoi(argv[2]);
  options.world = std::atoi(argv[3]);
  options.timeout_s = 60;
  const int steps = std::atoi(argv[4]);
  const int micro = std::atoi(argv[5]);
  const int die_at = argc > 6 ? std::atoi(argv[6]) : 0;
  if (argc > 7) options.bucket_mb = std::atof(argv[7]);
  try {
    auto group = lps::train::RankGroup::open(options);
    lps::test::DdpTrainer t(lps::test::ddp_spec(steps, micro));
    t.trainer.join_ranks(*group);
    for (int s = 0; s < steps; ++s) {
      if (die_at > 0 && s == die_at) ::raise(SIGKILL);
      t.trainer.train_step();
    }
    (void)t.trainer.flush_metrics();
    return t.trainer.ranks_in_sync() ? 0 : 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ddp_rank_child rank %d: %s\n", options.rank, e.what());
    return 1;
  }
}
