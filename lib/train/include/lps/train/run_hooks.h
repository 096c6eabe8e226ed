// The interface between the runner (which owns leases, the store and signals) and the trainer (which owns
// the model and the loop). The runner implements RunHooks backed by the store; tests implement it in
// memory. The trainer calls the hooks; it never touches the store itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lps::train {

struct StepMetrics {
  int64_t step = 0;           // optimizer steps done
  int64_t tokens = 0;         // training tokens consumed so far
  double train_loss = 0;      // mean over the last logging interval
  double eval_loss = -1;      // held-out loss if evaluated at this step, else -1
  double lr = 0;
  double grad_norm = 0;       // before clipping
  double tokens_per_s = 0;    // over the last logging interval
};

struct CheckpointRecord {
  std::string path;           // absolute path of the checkpoint file
  int64_t step = 0;
  std::string sha256;         // hex digest of the file's bytes
};

class RunHooks {
 public:
  virtual ~RunHooks() = default;
  // Metrics every log interval and at every eval. Throws (e.g. lps::Error) when the attempt lost its
  // lease; the trainer lets that propagate and stops without writing anything else.
  virtual void on_metrics(const StepMetrics& metrics) = 0;
  // A checkpoint was written atomically and fsynced; the runner records it (and prunes old ones).
  virtual void on_checkpoint(const CheckpointRecord& record) = 0;
  // True when the trainer should checkpoint and return RunStatus::kStopped (SIGTERM, cancel, preemption).
  [[nodiscard]] virtual bool should_stop() = 0;
  // Verified checkpoints to resume from, newest first is tried first; empty = start fresh.
  [[nodiscard]] virtual std::optional<CheckpointRecord> latest_checkpoint() = 0;
  // Called when latest_checkpoint() failed verification; the hook forgets it and offers the previous one.
  virtual void reject_checkpoint(const CheckpointRecord& bad, const std::string& why) = 0;
  // Folder for this run's checkpoints (exists, private to the run).
  [[nodiscard]] virtual std::string checkpoint_dir() = 0;
};

enum class RunStatus {
  kCompleted,  // trained for all tokens; final_eval_loss is the metric
  kDiverged,   // NaN/inf/explosion at diverged_step: never retried
  kStopped,    // should_stop() asked; a checkpoint was written; resumable
};

struct RunResult {
  RunStatus status = RunStatus::kCompleted;
  double final_eval_loss = 0;   // held-out loss at the end (kCompleted)
  int64_t steps = 0;
  int64_t tokens = 0;
  double wall_s = 0;
  double tokens_per_s = 0;      // mean training throughput of this attempt
  int64_t diverged_step = -1;   // kDiverged: the step, and the offending value below
  double diverged_value = 0;
  std::string message;          // human-readable summary
  // Added by the trainer issue (additive): SHA-256 over the final parameters (Trainer::params_sha256),
  // equal across runs iff the weights are bit-equal — how resume is checked to be exact.
  std::string params_sha256;
};

}  // namespace lps::train
