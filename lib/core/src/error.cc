#include <lps/core/diagnostic.h>
#include <lps/core/error.h>

#include <algorithm>

namespace lps {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kProgrammer: return "internal error";
    case ErrorKind::kUserInput: return "input error";
    case ErrorKind::kRun: return "run failure";
    case ErrorKind::kIo: return "I/O error";
  }
  return "error";
}

namespace detail {
void throw_check_failure(const char* condition, const std::source_location& where,
                         const std::string& message) {
  std::string text = fmt::format("{}:{}: check failed: {}", where.file_name(), where.line(), condition);
  if (!message.empty()) text += " (" + message + ")";
  throw Error(ErrorKind::kProgrammer, text);
}
}  // namespace detail

std::string Diagnostic::str() const {
  std::string out = file.empty() ? std::string("<input>") : file;
  if (line > 0) {
    out += fmt::format(":{}", line);
    if (col > 0) out += fmt::format(":{}", col);
  }
  out += ": ";
  if (!key_path.empty()) out += key_path + ": ";
  out += message;
  return out;
}

namespace {
// The message lists the first kShownProblems problems (problems() keeps every one): a generated sweep with
// 50,000 copies of one mistake should print a screenful, not megabytes.
constexpr size_t kShownProblems = 50;

std::string join_problems(const std::vector<Diagnostic>& problems) {
  std::string text;
  const size_t shown = std::min(problems.size(), kShownProblems);
  for (size_t i = 0; i < shown; ++i) {
    if (i) text += '\n';
    text += problems[i].str();
  }
  if (problems.size() > shown) {
    text += fmt::format("\n... and {} more problems (the first {} are shown; fix these and run again)",
                        problems.size() - shown, shown);
  }
  return text;
}
}  // namespace

UserInputError::UserInputError(std::vector<Diagnostic> problems)
    : Error(ErrorKind::kUserInput, join_problems(problems)), problems_(std::move(problems)) {}

void DiagnosticList::throw_if_any() const {
  if (!items_.empty()) throw UserInputError(items_);
}

}  // namespace lps
