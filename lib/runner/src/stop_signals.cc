#include <lps/runner/stop_signals.h>

#include <atomic>
#include <csignal>
#include <initializer_list>

namespace lps::runner {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free signal number");

extern "C" void on_stop_signal(int signal) {
  int none = 0;
  g_signal.compare_exchange_strong(none, signal);  // keep the first
  g_stop.store(true);
}

}  // namespace

void install_stop_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (const int signal : {SIGTERM, SIGINT, SIGUSR1}) sigaction(signal, &action, nullptr);
}

bool process_stop_requested() { return g_stop.load(); }
int process_stop_signal() { return g_signal.load(); }

const char* describe_stop_signal(int signal) {
  switch (signal) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGUSR1: return "SIGUSR1 (SLURM's time-limit warning)";
    default: return "a stop request";
  }
}

void request_process_stop() { g_stop.store(true); }
void reset_process_stop() {
  g_stop.store(false);
  g_signal.store(0);
}

}  // namespace lps::runner
