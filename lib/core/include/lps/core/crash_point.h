// Named crash points for fault-injection tests (docs/RELIABILITY.md).
//
// LPS_CRASH_POINT("store.claim.committed") is a no-op unless the environment variable LPS_CRASH_AT names
// that point: LPS_CRASH_AT=<name> kills the process with SIGKILL on the point's first hit, and
// LPS_CRASH_AT=<name>:<n> on its n-th hit. Nothing is flushed or unwound — exactly what a power cut or an
// OOM kill does at that line. The variable is read once per process; the cost of a disabled point is one
// branch on a cached flag.
#pragma once

#include <string_view>

namespace lps {

// Kills the process if LPS_CRASH_AT selects `name` and this is the selected hit; otherwise returns.
void crash_point(std::string_view name);

// Whether any crash point is armed in this process (LPS_CRASH_AT is set and well formed).
[[nodiscard]] bool crash_points_armed();

}  // namespace lps

#define LPS_CRASH_POINT(name) ::lps::crash_point(name)
