// `lpsweep status [SWEEP | --store PATH] [--watch]`: runs per state, the running runs' progress (step, tokens,
// tokens/s, loss, ETA) and the sweep's ETA from the current throughput.
#include "commands.h"
#include "sweep_cli.h"

#include <lps/core/clock.h>

#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <thread>

namespace lps::cli {
namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int) { g_interrupted.store(true); }

std::string render_sweep(store::Store& store, const std::string& sweep) {
  using store::RunState;
  const auto counts = store.count_states(sweep);
  std::string out = fmt::format("sweep {}: {} runs —", sweep, counts.total());
  for (RunState s : store::kAllRunStates) {
    if (counts[s] > 0) out += fmt::format(" {} {}", counts[s], to_string(s));
  }
  const int64_t finished = counts.total() - counts[RunState::kQueued] - counts[RunState::kRunning];
  if (counts.total() > 0) out += fmt::format("  ({:.1f}% finished)", 100.0 * finished / counts.total());
  out += "\n";

  store::RunFilter active;
  active.sweep = sweep;
  active.states = {RunState::kQueued, RunState::kRunning};
  double remaining_tokens = 0;
  double throughput = 0;
  std::string running;
  const double now = unix_time_now();
  for (const auto& r : store.runs(active)) {
    const double done = static_cast<double>(r.progress_tokens.value_or(0));
    if (r.state == RunState::kQueued) {
      remaining_tokens += static_cast<double>(r.tokens);
      continue;
    }
    const double left = std::max(0.0, static_cast<double>(r.tokens) - done);
    remaining_tokens += left;
    const double rate = r.progress_tokens_per_s.value_or(0);
    throughput += rate;
    running += fmt::format("  {:<36} try {:<2} {:<22} step {:>7} {:>7}/{:<7} ({:5.1f}%) {:>9} tok/s  loss {:>7}  ETA {}\n",
                           r.label, r.attempts, r.lease_owner, r.progress_step.value_or(0), format_count(done),
                           format_count(static_cast<double>(r.tokens)), 100.0 * done / std::max<double>(1, r.tokens),
                           rate > 0 ? format_count(rate) : "-",
                           r.progress_train_loss ? fmt::format("{:.4f}", *r.progress_train_loss) : "-",
                           rate > 0 ? format_duration(left / rate) : "?");
  }
  if (!running.empty()) out += "running:\n" + running;
  if (counts[RunState::kQueued] + counts[RunState::kRunning] > 0) {
    out += fmt::format("remaining: {} tokens; throughput {} tokens/s; ETA {}\n", format_count(remaining_tokens),
                       format_count(throughput),
                       throughput > 0 ? format_duration(remaining_tokens / throughput) : "? (no run reports progress)");
  }
  store::RunFilter bad;
  bad.sweep = sweep;
  bad.states = {RunState::kFailed, RunState::kDiverged};
  const auto failures = store.runs(bad);
  for (size_t i = 0; i < failures.size() && i < 5; ++i) {
    out += fmt::format("  {} {}: {}\n", to_string(failures[i].state), failures[i].label, failures[i].error);
  }
  if (failures.size() > 5) out += fmt::format("  ... {} more (lpsweep runs --state failed,diverged)\n", failures.size() - 5);
  (void)now;
  return out;
}

std::string render(store::Store& store, const std::string& sweep) {
  std::string out = fmt::format("store {} ({})\n", store.path(), format_utc_iso8601(unix_time_now()));
  if (!sweep.empty()) return out + render_sweep(store, sweep);
  const auto sweeps = store.sweeps();
  if (sweeps.empty()) return out + "no sweeps yet (lpsweep submit SWEEP)\n";
  for (const auto& s : sweeps) out += render_sweep(store, s.name);
  return out;
}

}  // namespace

void add_status_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("status", "Show runs per state, live progress, tokens/s and ETA (--watch to follow)");
  struct Flags {
    std::string file;
    StoreTargetFlags target;
    bool watch = false;
    double interval_s = 5;
  };
  auto flags = std::make_shared<Flags>();
  cmd->add_option("SWEEP", flags->file, "Sweep file; or use --store");
  add_store_target_flags(cmd, flags->target);
  cmd->add_flag("--watch", flags->watch, "Refresh until interrupted");
  cmd->add_option("--interval", flags->interval_s, "Seconds between refreshes with --watch")->check(CLI::Range(0.2, 3600.0));
  cmd->callback([flags] {
    const auto target = resolve_store_target(flags->file, flags->target, false);
    auto store = open_existing_store(target.store_path);
    if (!flags->watch) {
      fmt::print("{}", render(store, target.sweep));
      return;
    }
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    while (!g_interrupted.load()) {
      fmt::print("\033[H\033[2J{}", render(store, target.sweep));
      std::fflush(stdout);
      const Stopwatch waited;
      while (!g_interrupted.load() && waited.seconds() < flags->interval_s) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
}

}  // namespace lps::cli
