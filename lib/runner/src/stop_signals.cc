#include <lps/runner/stop_signals.h>

#include <atomic>
#include <csignal>

namespace lps::runner {
namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void on_stop_signal(int) { g_stop.store(true); }

}  // namespace

void install_stop_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

bool process_stop_requested() { return g_stop.load(); }
void request_process_stop() { g_stop.store(true); }
void reset_process_stop() { g_stop.store(false); }

}  // namespace lps::runner
