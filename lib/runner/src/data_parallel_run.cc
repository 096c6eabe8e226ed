// run_data_parallel (data_parallel_run.h): rank 0 of a data-parallel run, inside the worker.
#include <lps/runner/data_parallel_run.h>

#include <lps/core/clock.h>
#include <lps/core/error.h>
#include <lps/core/log.h>
#include <lps/ops/device.h>
#include <lps/plan/run_spec_json.h>
#include <lps/runner/rank_processes.h>
#include <lps/train/distributed.h>
#include <lps/train/train_run.h>

#include <fmt/format.h>
#include <torch/cuda.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <filesystem>
#include <thread>

namespace lps::runner {
namespace {

constexpr double kFailureSettleS = 2;  // after a collective failed: time for the monitor to see which rank died

}  // namespace

std::vector<std::string> rank_devices(int ranks) {
  std::vector<std::string> devices;
  if (!ops::cuda_available()) {
    devices.assign(static_cast<size_t>(ranks), "cpu");
    return devices;
  }
  const int visible = static_cast<int>(torch::cuda::device_count());
  if (visible < ranks) {
    throw RunError(fmt::format("the run trains on {} GPUs (train.ranks) but this worker sees {}; give each worker "
                               "that many GPUs (lpsweep worker --gpus all groups them by the sweep's train.ranks, "
                               "or set CUDA_VISIBLE_DEVICES)", ranks, visible));
  }
  for (int r = 0; r < ranks; ++r) devices.push_back(fmt::format("cuda:{}", r));
  return devices;
}

train::RunResult run_data_parallel(const plan::RunSpec& spec, train::RunHooks& hooks,
                                   const DataParallelOptions& options) {
  LPS_CHECK(spec.ranks > 1, "run_data_parallel needs ranks > 1, got {}", spec.ranks);
  RankLaunch launch;
  launch.world = spec.ranks;
  launch.devices = rank_devices(spec.ranks);
  launch.timeout_s = options.timeout_s;
  launch.bucket_mb = options.bucket_mb >= 0 ? options.bucket_mb : train::bucket_mb_from_env();
  launch.command = options.rank_command;
  if (launch.command.empty()) launch.command = {std::filesystem::read_symlink("/proc/self/exe").string(), "rank"};

  train::RankOptions rank0;
  rank0.world = spec.ranks;
  rank0.host = launch.host;
  rank0.timeout_s = options.timeout_s;
  rank0.bucket_mb = launch.bucket_mb;
  auto group = train::RankGroup::open(rank0);
  launch.port = group->port();
  group->publish(train::kRankSpecKey, plan::to_json(spec));
  log_info("data parallel: {} ranks on {} (rendezvous {}:{})", spec.ranks, launch.devices[0] == "cpu" ? "the CPU" : "GPUs",
           launch.host, launch.port);
  RankProcesses followers(launch, [&group](const std::string& why) { group->abort(why); });

  // CPU ranks share the machine's cores (the followers do the same): no rank's threads spin on another's cores.
  if (launch.devices[0] == "cpu") {
    at::set_num_threads(std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / spec.ranks));
  }
  train::TrainingOptions training;
  training.device = launch.devices[0];
  training.ranks = group.get();
  try {
    train::RunResult result = train::run_training(spec, hooks, training);
    if (result.status == train::RunStatus::kCompleted) {
      const Stopwatch waited;
      if (followers.wait_all(options.completion_wait_s)) {
        log_info("data parallel: the {} other rank(s) exited cleanly ({:.2f} s after rank 0's result)",
                 spec.ranks - 1, waited.seconds());
      } else {
        log_warn("data parallel: not every rank ended cleanly within {:.0f} s of rank 0's result; they are stopped",
                 options.completion_wait_s);
      }
    }
    // Stopped or diverged: the followers wait in the next step's all-reduce; the destructor ends them.
    return result;
  } catch (const Error& e) {
    // Name the rank that died rather than the collective that noticed it.
    if (auto died = followers.failure(kFailureSettleS)) throw RunError(fmt::format("{} ({})", *died, e.what()));
    throw;
  } catch (const std::exception& e) {
    if (auto died = followers.failure(kFailureSettleS)) throw RunError(fmt::format("{} ({})", *died, e.what()));
    throw;
  }
}

}  // namespace lps::runner
