// The follower ranks (1 … world-1) of a data-parallel run as child processes of the worker that claimed the
// run (rank 0), and their supervision (docs/data-parallel.md):
//   - each follower runs `command` (by default this executable's hidden `rank` subcommand) with its rank,
//     the rendezvous address and its device;
//   - a monitor thread notices a follower that ends before it was asked to (crash, kill -9, OOM) within
//     kMonitorPollS and calls `on_failure` once, which aborts rank 0's waits (RankGroup::abort), so the
//     attempt fails promptly instead of hanging and is retried from its last checkpoint;
//   - followers die with rank 0: they ask the kernel for SIGKILL when their parent goes, and leave SIGINT and
//     SIGTERM to rank 0 (prepare_follower_process);
//   - destroying a RankProcesses kills (SIGKILL: followers hold nothing to save) and reaps whatever still runs.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace lps::runner {

struct RankLaunch {
  std::vector<std::string> command;  // argv prefix of a follower, e.g. {"/path/lpsweep", "rank"}
  std::string host = "127.0.0.1";    // rank 0's rendezvous address
  int port = 0;                      // rank 0's rendezvous port
  int world = 2;                     // ranks in the run (followers: world - 1)
  std::vector<std::string> devices;  // per rank 0 … world-1: "cpu" or "cuda:N"
  double timeout_s = 600;            // the followers' rendezvous/collective timeout
  double bucket_mb = 25;             // gradient all-reduce bucket size (train::RankOptions::bucket_mb)
};

// The full argv of follower `rank` (appends --connect, --rank, --world, --device, --timeout,
// --bucket-mb, --parent).
[[nodiscard]] std::vector<std::string> follower_argv(const RankLaunch& launch, int rank);

class RankProcesses {
 public:
  static constexpr double kMonitorPollS = 0.05;
  static constexpr double kReapWaitS = 5;  // after SIGKILL, before a blocking wait

  // Starts ranks 1 … world-1. Throws IoError when one cannot be started (those started are stopped).
  RankProcesses(const RankLaunch& launch, std::function<void(const std::string&)> on_failure);
  ~RankProcesses();
  RankProcesses(const RankProcesses&) = delete;
  RankProcesses& operator=(const RankProcesses&) = delete;

  // Waits up to wait_s for every follower to exit by itself (they do after the last step of a completed
  // run); true when all exited with status 0. Followers still running afterwards are left to the destructor.
  [[nodiscard]] bool wait_all(double wait_s);
  // Waits up to wait_s for the monitor to report a failure; the failure text, if any (never blocks longer).
  [[nodiscard]] std::optional<std::string> failure(double wait_s = 0) const;
  [[nodiscard]] std::vector<pid_t> pids() const;

 private:
  void monitor();
  void stop_all();

  struct Child {
    int rank = 0;
    pid_t pid = -1;
    bool done = false;
    int status = 0;
  };
  std::function<void(const std::string&)> on_failure_;
  mutable std::mutex mu_;
  std::vector<Child> children_;        // guarded by mu_
  std::optional<std::string> failure_;  // guarded by mu_
  std::atomic<bool> stopping_{false};  // set before we terminate them ourselves: their ends are no failure
  std::atomic<bool> quit_{false};
  std::thread monitor_;
};

// For a follower process, first thing: SIGKILL when the process that started it (expected_parent) ends —
// also if it already has (Linux prctl(PR_SET_PDEATHSIG)) — and ignore SIGINT/SIGTERM: a Ctrl-C or a
// scheduler's SIGTERM reaches the whole process group, and rank 0 must be the one to decide (checkpoint,
// then end the followers with SIGKILL).
void prepare_follower_process(pid_t expected_parent);

}  // namespace lps::runner
