// Injected "disk full" faults for reliability tests (docs/RELIABILITY.md), and the error a full disk raises.
//
// A write that can run out of space asks fault_enospc("ckpt.write") first; when the point is selected it
// behaves exactly as if the kernel had answered ENOSPC. Points are selected by the environment variable
// LPS_FAULT_ENOSPC (read once per process) or, in-process, by arm_fault_enospc():
//   LPS_FAULT_ENOSPC=<name>            every hit of <name> fails
//   LPS_FAULT_ENOSPC=<name>:<n>        only the n-th hit fails
//   LPS_FAULT_ENOSPC=<name>:<n>-<m>    hits n..m fail (the space "returns" after hit m)
//   several selections separated by commas, e.g. ckpt.write:2-3,ckpt.fsync:5
// The cost of a point when nothing is armed is one relaxed atomic load.
//
// Points in the code: ckpt.write (the checkpoint file's bytes), ckpt.fsync (its fsync).
#pragma once

#include <lps/core/error.h>

#include <string>
#include <string_view>

namespace lps {

// A write failed because the filesystem (or the user's quota) is full: ENOSPC, EDQUOT or SQLITE_FULL.
// Callers that can wait — checkpoint and metric writers — catch it, keep what they had and try again later;
// everything else treats it as the IoError it also is.
class DiskFullError : public IoError {
 public:
  explicit DiskFullError(const std::string& message) : IoError(message) {}
};

// True for errno values that mean "no space left": ENOSPC and EDQUOT.
[[nodiscard]] bool is_disk_full_errno(int err);

// True when this hit of `point` is selected to fail with ENOSPC (it counts the hit).
[[nodiscard]] bool fault_enospc(std::string_view point);

// Replaces the selections (same syntax as LPS_FAULT_ENOSPC; "" disarms) and resets every hit count.
// For in-process tests; thread-safe. Throws lps::Error(kUserInput) for a malformed spec.
void arm_fault_enospc(std::string_view spec);

// While on, every point fails (a disk that is full until the test frees it); for in-process tests.
void set_disk_full_for_testing(bool full);

}  // namespace lps
