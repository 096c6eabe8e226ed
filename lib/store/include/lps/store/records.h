// Plain data going in and out of the store. Times are Unix seconds taken on the client (lps::unix_time_now).
#pragma once

#include <lps/store/run_state.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace lps::store {

// A sweep as submitted.
struct SweepRecord {
  std::string name;         // unique within a store
  std::string output_dir;   // absolute; checkpoints go to <output_dir>/checkpoints/<run key>/
  std::string source_file;  // the sweep file it came from (informational)
};

// One run to queue. Built from a plan::RunSpec by make_run_to_submit() (run_submission.h).
struct RunToSubmit {
  std::string key;          // RunKey: SHA-256 hex of the canonical form; unique in the store
  std::string label;        // human-readable, e.g. "30M D=3.0B quartet s0"
  int64_t n_params = 0;     // N
  int64_t tokens = 0;       // D
  std::string scheme;       // scheme name
  std::string spec_json;    // the RunSpec as JSON (plan::to_json); what a worker executes
  int max_attempts = 3;     // infrastructure failures before `failed`
  double backoff_s = 10;    // first retry delay, doubled per failure
};

struct SubmitResult {
  int64_t sweep_id = 0;
  int added = 0;            // new runs queued
  int existing = 0;         // already in the store (any state; untouched)
};

// A run a worker now holds. (run_id, attempt, worker) is the fence every later write is checked against.
struct ClaimedRun {
  int64_t run_id = 0;
  int attempt = 0;          // 1-based; strictly increasing per run
  std::string worker;       // the worker id that claimed it
  double lease_expires = 0;
  std::string key;
  std::string label;
  std::string sweep;
  std::string output_dir;
  std::string spec_json;
  int64_t n_params = 0;
  int64_t tokens = 0;
  std::string scheme;
};

// Identifies the attempt a write belongs to.
struct Fence {
  int64_t run_id = 0;
  int attempt = 0;
  std::string worker;
};
[[nodiscard]] inline Fence fence_of(const ClaimedRun& run) { return Fence{run.run_id, run.attempt, run.worker}; }

enum class HeartbeatStatus {
  kRenewed,    // the lease now lasts another lease_s
  kCancelled,  // the user cancelled the run: stop, nothing more will be accepted
  kLost,       // the lease expired or another attempt holds the run: stop writing at once
};

// How an attempt ended, reported by the worker.
struct AttemptReport {
  AttemptOutcome outcome = AttemptOutcome::kCompleted;  // kCompleted | kDiverged | kFailed | kStopped
  std::optional<double> final_eval_loss;                // kCompleted
  double tokens_per_s = 0;
  double wall_s = 0;
  int64_t steps = 0;
  std::string message;                                   // error or summary
};

// A per-step metrics row (one per log interval or eval).
struct MetricRecord {
  int64_t step = 0;
  int64_t tokens = 0;
  double train_loss = 0;
  std::optional<double> eval_loss;
  double lr = 0;
  double grad_norm = 0;
  double tokens_per_s = 0;
};

struct CheckpointRow {
  int64_t id = 0;
  int64_t run_id = 0;
  int attempt = 0;
  int64_t step = 0;
  std::string path;
  std::string sha256;
  double created = 0;
};

// Which runs a query, cancel or retry concerns. Empty fields match everything.
struct RunFilter {
  std::string sweep;                 // sweep name
  std::set<RunState> states;
  std::string scheme;
  std::vector<std::string> runs;     // keys, key prefixes (≥ 6 hex digits) or exact labels
};

// One run as listed by `lpsweep runs`, `status` and `export runs`.
struct RunRow {
  int64_t id = 0;
  std::string sweep;
  std::string key;
  std::string label;
  int64_t n_params = 0;
  int64_t tokens = 0;
  std::string scheme;
  RunState state = RunState::kQueued;
  int attempts = 0;
  int failures = 0;
  int max_attempts = 0;
  std::optional<double> final_eval_loss;
  std::optional<double> tokens_per_s;   // of the finishing attempt
  std::optional<double> wall_s;
  std::optional<int64_t> steps;
  std::string error;
  std::string lease_owner;              // worker id while running
  double not_before = 0;                // queued: earliest next claim (retry backoff)
  double created = 0;
  std::optional<double> finished;
  // Latest metrics row of the run (progress of a running run), if any.
  std::optional<int64_t> progress_tokens;
  std::optional<int64_t> progress_step;
  std::optional<double> progress_train_loss;
  std::optional<double> progress_tokens_per_s;
};

struct AttemptRow {
  int64_t run_id = 0;
  int attempt = 0;
  std::string worker;
  double started = 0;
  double heartbeat = 0;
  double lease_expires = 0;
  std::optional<double> ended;
  std::optional<AttemptOutcome> outcome;  // nullopt while it runs
  std::string message;
  std::optional<std::string> info;        // JSON given to claim() (schema ≥ 3), e.g. SLURM job/array ids
};

struct StateCounts {
  int64_t by_state[6] = {0, 0, 0, 0, 0, 0};  // indexed by RunState
  [[nodiscard]] int64_t operator[](RunState s) const { return by_state[static_cast<int>(s)]; }
  [[nodiscard]] int64_t total() const;
};

struct SweepRow {
  int64_t id = 0;
  std::string name;
  std::string output_dir;
  std::string source_file;
  double created = 0;
};

// A fit or a benchmark result: generic, the payload is the producer's JSON.
struct Artifact {
  int64_t id = 0;           // assigned by the store
  std::string name;         // e.g. the sweep name, or "gemm-fp8"
  std::string kind;         // e.g. "quartet-law", "speedup"
  std::string payload_json;
  double created = 0;       // assigned by the store
};

}  // namespace lps::store
