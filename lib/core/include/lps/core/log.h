// Logging to stderr: `2026-11-25T16:30:01Z info  message`. The level comes from LPS_LOG_LEVEL
// (debug|info|warn|error; default info) or set_log_level(). Thread-safe: one line per call.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace lps {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

void set_log_level(LogLevel level);
[[nodiscard]] LogLevel log_level();
// Parses "debug", "info", "warn", "error", "off"; throws lps::Error(kUserInput) otherwise.
[[nodiscard]] LogLevel parse_log_level(std::string_view text);

void log_line(LogLevel level, std::string_view message);

template <typename... Args>
void log_debug(fmt::format_string<Args...> f, Args&&... args) {
  if (log_level() <= LogLevel::kDebug) log_line(LogLevel::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_info(fmt::format_string<Args...> f, Args&&... args) {
  if (log_level() <= LogLevel::kInfo) log_line(LogLevel::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_warn(fmt::format_string<Args...> f, Args&&... args) {
  if (log_level() <= LogLevel::kWarn) log_line(LogLevel::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_error(fmt::format_string<Args...> f, Args&&... args) {
  if (log_level() <= LogLevel::kError) log_line(LogLevel::kError, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace lps
