// TestDoubleExecutor: a deterministic stand-in for training, for orchestration tests and queue stress tests
// (`lpsweep worker --executor test-double`). It takes milliseconds, writes metrics and checkpoints through
// the hooks like the trainer does, honours should_stop() (checkpoint, kStopped) and resumes from the newest
// checkpoint. Its final loss is a pure function of the run key, so a result can be checked anywhere.
//
// Behaviour can be injected through the run's label (for tests):
//   "[diverge]"  returns kDiverged at step 2;
//   "[fail]"     throws RunError on every attempt;
//   "[flaky]"    throws RunError on attempt 1 only;
//   "[slow]"     each step takes 100× longer.
#pragma once

#include <lps/runner/executor.h>

#include <cstdint>
#include <string>

namespace lps::runner {

struct TestDoubleOptions {
  int steps = 4;                 // steps per run
  double step_s = 0.001;         // sleep per step
  int checkpoint_every = 0;      // checkpoint every this many steps (0 = only when stopped)
};

// The loss the test double reports for `key`: 2 + (first 8 hex digits of the key) / 2^32.
[[nodiscard]] double test_double_loss(const std::string& key);

class TestDoubleExecutor final : public Executor {
 public:
  explicit TestDoubleExecutor(TestDoubleOptions options = {}) : options_(options) {}
  [[nodiscard]] train::RunResult execute(const plan::RunSpec& spec, const store::ClaimedRun& run,
                                         train::RunHooks& hooks) override;

 private:
  TestDoubleOptions options_;
};

}  // namespace lps::runner
