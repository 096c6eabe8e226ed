// The life of a run in the store:
//
//   queued ──claim──► running ──completed──► completed
//     ▲                 │ ├─────diverged───► diverged   (never retried)
//     │   failure < max │ ├─failure ≥ max──► failed
//     └─────────────────┘ └──cancel────────► cancelled
//   (stopped by a signal, or lease expired with failures < max, also go back to queued)
//
// `lpsweep retry` puts failed and cancelled runs (diverged ones only when asked) back to queued.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lps::store {

enum class RunState { kQueued, kRunning, kCompleted, kFailed, kDiverged, kCancelled };

inline constexpr RunState kAllRunStates[] = {RunState::kQueued,  RunState::kRunning,  RunState::kCompleted,
                                             RunState::kFailed,  RunState::kDiverged, RunState::kCancelled};

// "queued", "running", "completed", "failed", "diverged", "cancelled" — as stored and as users type them.
[[nodiscard]] const char* to_string(RunState state);
[[nodiscard]] std::optional<RunState> parse_run_state(std::string_view text);
// completed, failed, diverged, cancelled.
[[nodiscard]] bool is_terminal(RunState state);

// How one attempt ended (attempts.outcome).
enum class AttemptOutcome {
  kCompleted,     // trained to the end; the run is completed
  kDiverged,      // NaN/inf/explosion; the run is diverged, never retried
  kFailed,        // an infrastructure failure (exception, OOM, CUDA error); retried with backoff
  kStopped,       // asked to stop (signal, preemption); checkpointed, requeued, not counted as a failure
  kLeaseExpired,  // the worker stopped renewing its lease (killed, paused); counted as a failure
  kCancelled,     // the user cancelled the run while it ran
};

[[nodiscard]] const char* to_string(AttemptOutcome outcome);
[[nodiscard]] std::optional<AttemptOutcome> parse_attempt_outcome(std::string_view text);

}  // namespace lps::store
