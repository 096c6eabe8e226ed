// lps::Error and LPS_CHECK: every error lpsweep raises carries where it happened.
//
// Three kinds (docs/STYLE.md §6):
//   ErrorKind::kProgrammer — a violated precondition inside lpsweep (LPS_CHECK); message has file:line
//                            and the failed condition.
//   ErrorKind::kUserInput  — bad input from the user (YAML, CSV, flags); see UserInputError, which lists
//                            every problem as file:line:col: key.path: message.
//   ErrorKind::kRun        — a run failed (NaN, OOM, CUDA error); caught at the runner boundary.
// Library code never calls exit(); it throws one of these.
#pragma once

#include <fmt/format.h>

#include <source_location>
#include <stdexcept>
#include <string>

namespace lps {

enum class ErrorKind { kProgrammer, kUserInput, kRun, kIo };

[[nodiscard]] const char* to_string(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  [[nodiscard]] ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// Thrown for failures of the outside world (files, databases, devices) with the library's own message.
class IoError : public Error {
 public:
  explicit IoError(const std::string& message) : Error(ErrorKind::kIo, message) {}
};

// Thrown when a run fails for a reason that belongs to the run (divergence, OOM, kernel failure).
class RunError : public Error {
 public:
  explicit RunError(const std::string& message) : Error(ErrorKind::kRun, message) {}
};

namespace detail {
[[noreturn]] void throw_check_failure(const char* condition, const std::source_location& where,
                                      const std::string& message);
}  // namespace detail

}  // namespace lps

// LPS_CHECK(cond) / LPS_CHECK(cond, "fmt {}", args...): throws lps::Error(kProgrammer) naming
// file:line, the condition and the formatted message when cond is false.
#define LPS_CHECK(cond, ...)                                                                    \
  do {                                                                                          \
    if (!(cond)) [[unlikely]] {                                                                 \
      ::lps::detail::throw_check_failure(#cond, std::source_location::current(),                \
                                         ::lps::detail::check_message(__VA_ARGS__));            \
    }                                                                                           \
  } while (false)

namespace lps::detail {
inline std::string check_message() { return {}; }
template <typename... Args>
std::string check_message(fmt::format_string<Args...> f, Args&&... args) {
  return fmt::format(f, std::forward<Args>(args)...);
}
}  // namespace lps::detail
