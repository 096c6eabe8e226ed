// StoreRunHooks: train::RunHooks backed by the store, for one claimed attempt.
//   on_metrics / on_checkpoint  fenced writes (throw store::LeaseLost once the attempt lost its run);
//   should_stop                 a stop request, a cancellation or a lost lease (AttemptControl);
//   latest_checkpoint           the newest recorded checkpoint whose file exists and matches its SHA-256
//                               (others are rejected in the store and never offered again);
//   checkpoint_dir              <output_dir>/checkpoints/<run key>/, created 0700.
#pragma once

#include <lps/store/store.h>
#include <lps/train/run_hooks.h>

#include <atomic>
#include <set>
#include <string>

namespace lps::runner {

// Flags the heartbeat thread and the worker raise for the executor to see through should_stop().
struct AttemptControl {
  std::atomic<bool> stop{false};       // a signal or Worker::request_stop()
  std::atomic<bool> cancelled{false};  // the user cancelled the run
  std::atomic<bool> lost{false};       // the lease is gone (expired, taken over, or released for us)
  [[nodiscard]] bool any() const { return stop.load() || cancelled.load() || lost.load(); }
};

class StoreRunHooks final : public train::RunHooks {
 public:
  // `keep` newest checkpoints are kept (older files are deleted).
  StoreRunHooks(store::Store& store, const store::ClaimedRun& run, AttemptControl& control, int keep);

  void on_metrics(const train::StepMetrics& metrics) override;
  void on_checkpoint(const train::CheckpointRecord& record) override;
  [[nodiscard]] bool should_stop() override;
  [[nodiscard]] std::optional<train::CheckpointRecord> latest_checkpoint() override;
  void reject_checkpoint(const train::CheckpointRecord& bad, const std::string& why) override;
  [[nodiscard]] std::string checkpoint_dir() override;

 private:
  store::Store& store_;
  store::ClaimedRun run_;
  store::Fence fence_;
  AttemptControl& control_;
  int keep_;
};

}  // namespace lps::runner
