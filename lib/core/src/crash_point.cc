#include <lps/core/crash_point.h>

#include <lps/core/log.h>

#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace lps {
namespace {

struct Armed {
  bool armed = false;
  std::string name;
  long hit = 1;
};

Armed parse_env() {
  Armed a;
  const char* env = std::getenv("LPS_CRASH_AT");
  if (env == nullptr || *env == '\0') return a;
  std::string spec(env);
  const auto colon = spec.rfind(':');
  if (colon != std::string::npos) {
    long n = 0;
    const char* first = spec.data() + colon + 1;
    const char* last = spec.data() + spec.size();
    const auto [ptr, ec] = std::from_chars(first, last, n);
    if (ec != std::errc() || ptr != last || n < 1) {
      log_warn("LPS_CRASH_AT='{}': the hit count after ':' must be a positive integer; no crash point armed",
               spec);
      return a;
    }
    a.hit = n;
    spec.resize(colon);
  }
  a.name = spec;
  a.armed = !a.name.empty();
  return a;
}

const Armed& armed() {
  static const Armed a = parse_env();
  return a;
}

std::atomic<long> g_hits{0};

}  // namespace

bool crash_points_armed() { return armed().armed; }

void crash_point(std::string_view name) {
  const Armed& a = armed();
  if (!a.armed || name != a.name) return;
  if (g_hits.fetch_add(1) + 1 != a.hit) return;
  // Say which point fired (stderr is unbuffered), then die the way a power cut or OOM kill would.
  static constexpr char kMsg[] = "lpsweep: crash point hit (LPS_CRASH_AT); killing this process\n";
  [[maybe_unused]] const auto w = ::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
  ::kill(::getpid(), SIGKILL);
}

}  // namespace lps
