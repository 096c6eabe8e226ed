// run_follower_rank (distributed.h): ranks 1 … world-1 of a data-parallel run, started by rank 0's worker.
#include <lps/train/distributed.h>

#include <lps/core/error.h>
#include <lps/core/log.h>
#include <lps/plan/run_spec_json.h>
#include <lps/train/train_run.h>

#include <ATen/DeviceAccelerator.h>
#include <fmt/format.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>
#include <thread>
#include <filesystem>

namespace lps::train {
namespace {

// A follower writes nothing and resumes from nothing: rank 0 reads the checkpoint and join_ranks() copies its
// state to every rank. It never stops on its own; rank 0's worker ends it when the run stops.
class FollowerHooks final : public RunHooks {
 public:
  ~FollowerHooks() override {
    if (dir_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void on_metrics(const StepMetrics&) override {}
  void on_checkpoint(const CheckpointRecord&) override {}
  [[nodiscard]] bool should_stop() override { return false; }
  [[nodiscard]] std::optional<CheckpointRecord> latest_checkpoint() override { return std::nullopt; }
  void reject_checkpoint(const CheckpointRecord&, const std::string&) override {}
  // Never written to; a private empty folder so that housekeeping on it cannot touch rank 0's checkpoints.
  [[nodiscard]] std::string checkpoint_dir() override {
    if (dir_.empty()) {
      std::string pattern = (std::filesystem::temp_directory_path() / "lps-rank-XXXXXX").string();
      if (::mkdtemp(pattern.data()) == nullptr) throw IoError(fmt::format("cannot create a folder like {}", pattern));
      dir_ = pattern;
    }
    return dir_;
  }

 private:
  std::string dir_;
};

}  // namespace

RunResult run_follower_rank(const RankOptions& options, const std::string& device) {
  LPS_CHECK(options.rank > 0, "run_follower_rank is for ranks 1 … world-1, got rank {}", options.rank);
  auto group = RankGroup::open(options);
  const plan::RunSpec spec = plan::run_spec_from_json(group->fetch(kRankSpecKey));
  if (spec.ranks != options.world) {
    throw RunError(fmt::format("rank {}: the run asks for {} ranks but this group has {}", options.rank, spec.ranks,
                               options.world));
  }
  log_info("rank {}/{}: run {} on {}", options.rank, options.world, spec.model.preset, device);
  // CPU ranks share the machine's cores: one rank's OpenMP threads spinning on another's cores is slow.
  if (!c10::Device(device).is_cuda()) at::set_num_threads(std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / options.world));
  // This rank's GPU is the current device before anything touches CUDA (contexts, pinned buffers, NCCL).
  if (const c10::Device d(device); d.is_cuda() && d.has_index()) at::accelerator::setDeviceIndex(d.index());
  FollowerHooks hooks;
  TrainingOptions training;
  training.device = device;
  training.ranks = group.get();
  training.progress_interval_s = 1e9;  // rank 0 shows progress
  return run_training(spec, hooks, training);
}

}  // namespace lps::train
