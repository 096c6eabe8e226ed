// Progress reporting for long work: "what: 1200/5000 steps (24.0%) 312.5 steps/s ETA 12.2s | extra".
// Throttled to one line per `interval_s` (and always the final one), so tight loops can call update().
#pragma once

#include <lps/core/clock.h>

#include <cstdint>
#include <string>

namespace lps {

struct ProgressOptions {
  double interval_s = 5.0;        // minimum seconds between printed lines
  std::string unit = "items";     // plural unit name shown after counts and in the rate
};

class Progress {
 public:
  Progress(std::string what, int64_t total, ProgressOptions options = {});

  // Records `done` of `total`; prints a line when the interval has passed or done == total.
  // `extra` is appended (e.g. "loss 3.21"). Returns true when a line was printed.
  bool update(int64_t done, const std::string& extra = {});

  // The line update() would print now, without printing it.
  [[nodiscard]] std::string line(int64_t done, const std::string& extra = {}) const;
  [[nodiscard]] double rate() const;  // units per second since construction
  [[nodiscard]] double eta_seconds(int64_t done) const;

 private:
  std::string what_;
  int64_t total_;
  ProgressOptions options_;
  Stopwatch clock_;
  double last_print_ = -1e300;
  int64_t last_done_ = 0;
};

}  // namespace lps
