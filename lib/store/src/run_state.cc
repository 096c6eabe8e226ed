#include <lps/store/records.h>
#include <lps/store/run_state.h>

namespace lps::store {

const char* to_string(RunState state) {
  switch (state) {
    case RunState::kQueued: return "queued";
    case RunState::kRunning: return "running";
    case RunState::kCompleted: return "completed";
    case RunState::kFailed: return "failed";
    case RunState::kDiverged: return "diverged";
    case RunState::kCancelled: return "cancelled";
  }
  return "unknown";
}

std::optional<RunState> parse_run_state(std::string_view text) {
  for (RunState s : kAllRunStates) {
    if (text == to_string(s)) return s;
  }
  return std::nullopt;
}

bool is_terminal(RunState state) { return state != RunState::kQueued && state != RunState::kRunning; }

const char* to_string(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::kCompleted: return "completed";
    case AttemptOutcome::kDiverged: return "diverged";
    case AttemptOutcome::kFailed: return "failed";
    case AttemptOutcome::kStopped: return "stopped";
    case AttemptOutcome::kLeaseExpired: return "lease_expired";
    case AttemptOutcome::kCancelled: return "cancelled";
  }
  return "unknown";
}

std::optional<AttemptOutcome> parse_attempt_outcome(std::string_view text) {
  for (AttemptOutcome o : {AttemptOutcome::kCompleted, AttemptOutcome::kDiverged, AttemptOutcome::kFailed,
                           AttemptOutcome::kStopped, AttemptOutcome::kLeaseExpired, AttemptOutcome::kCancelled}) {
    if (text == to_string(o)) return o;
  }
  return std::nullopt;
}

int64_t StateCounts::total() const {
  int64_t sum = 0;
  for (int64_t n : by_state) sum += n;
  return sum;
}

}  // namespace lps::store
