// Diagnostics for user input: one problem at one place, and an error that lists all of them.
//
// A Diagnostic prints as `file:line:col: key.path: message` (line and col are 1-based; 0 means
// "unknown" and is omitted). Validators collect every problem into a DiagnosticList and throw one
// UserInputError at the end, so a user fixes all mistakes in one pass.
#pragma once

#include <lps/core/error.h>

#include <string>
#include <vector>

namespace lps {

struct Diagnostic {
  std::string file;      // path as the user gave it
  int line = 0;          // 1-based; 0 = unknown
  int col = 0;           // 1-based; 0 = unknown
  std::string key_path;  // e.g. "grid.models[2].d_model"; may be empty
  std::string message;   // what is wrong and what to do

  [[nodiscard]] std::string str() const;
};

class UserInputError : public Error {
 public:
  explicit UserInputError(std::vector<Diagnostic> problems);
  [[nodiscard]] const std::vector<Diagnostic>& problems() const { return problems_; }

 private:
  std::vector<Diagnostic> problems_;
};

// Collects problems; throw_if_any() throws one UserInputError listing all of them in the order added.
class DiagnosticList {
 public:
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  [[nodiscard]] bool empty() const { return items_.empty(); }
  [[nodiscard]] size_t size() const { return items_.size(); }
  [[nodiscard]] const std::vector<Diagnostic>& items() const { return items_; }
  void throw_if_any() const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace lps
