// LeaseLost: a write of an attempt that no longer holds its run (its lease expired and another attempt took
// the run over, or the run was cancelled). The writer must stop at once; nothing it wrote was recorded.
#pragma once

#include <lps/core/error.h>

namespace lps::store {

class LeaseLost : public Error {
 public:
  explicit LeaseLost(const std::string& message) : Error(ErrorKind::kRun, message) {}
};

}  // namespace lps::store
