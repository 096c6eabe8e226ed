// Time. Wall time is always taken here, on the client, never from a database: Debian 12's SQLite 3.40
// returns NULL for unixepoch('subsec').
#pragma once

#include <chrono>
#include <string>

namespace lps {

// Seconds since the Unix epoch, with sub-second resolution.
[[nodiscard]] double unix_time_now();

// "2026-11-25T16:30:01Z" (seconds truncated).
[[nodiscard]] std::string format_utc_iso8601(double unix_seconds);

// "1h02m03s", "4m05s", "12.3s" — for ETAs and durations in logs.
[[nodiscard]] std::string format_duration(double seconds);

// Monotonic stopwatch.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  void reset() { start_ = std::chrono::steady_clock::now(); }
  [[nodiscard]] double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace lps
