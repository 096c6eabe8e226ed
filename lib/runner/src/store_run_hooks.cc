#include <lps/core/clock.h>
#include <lps/core/crash_point.h>
#include <lps/core/error.h>
#include <lps/core/fault_injection.h>
#include <lps/core/log.h>
#include <lps/core/sha256.h>
#include <lps/runner/store_run_hooks.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

namespace lps::runner {
namespace {

constexpr double kFullFirstWaitS = 0.05;  // first wait after SQLITE_FULL; doubles per try
constexpr double kFullMaxWaitS = 5;       // longest wait between tries

// Runs a store write; while the disk is full (DiskFullError: SQLITE_FULL, the transaction rolled back) it
// waits with backoff and tries again, so a full disk pauses the run instead of failing it. It gives up —
// returning false, nothing written — only when the attempt must stop anyway (a signal, a cancellation or
// a lost lease: the heartbeat cannot renew on a full disk either, so a long outage ends in LeaseLost).
template <typename Write>
[[nodiscard]] bool write_waiting_while_full(const std::string& label, const char* what, const AttemptControl& control,
                                            Write&& write) {
  const Stopwatch waited;
  double wait_s = kFullFirstWaitS;
  for (int tries = 1;; ++tries) {
    try {
      write();
      if (tries > 1) log_info("run {}: {} written after {:.1f} s of a full disk", label, what, waited.seconds());
      return true;
    } catch (const DiskFullError& e) {
      if (control.any()) {
        log_warn("run {}: {} dropped: the disk is full and the attempt is stopping ({})", label, what, e.what());
        return false;
      }
      if (tries == 1) log_warn("run {}: {} waits: the disk is full ({}); retrying", label, what, e.what());
      std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
      wait_s = std::min(wait_s * 2, kFullMaxWaitS);
    }
  }
}

}  // namespace

StoreRunHooks::StoreRunHooks(store::Store& store, const store::ClaimedRun& run, AttemptControl& control, int keep)
    : store_(store), run_(run), fence_(store::fence_of(run)), control_(control), keep_(std::max(1, keep)) {}

void StoreRunHooks::on_metrics(const train::StepMetrics& m) {
  store::MetricRecord record;
  record.step = m.step;
  record.tokens = m.tokens;
  record.train_loss = m.train_loss;
  if (m.eval_loss >= 0) record.eval_loss = m.eval_loss;
  record.lr = m.lr;
  record.grad_norm = m.grad_norm;
  record.tokens_per_s = m.tokens_per_s;
  try {
    (void)write_waiting_while_full(run_.label, "metrics", control_, [&] { store_.record_metrics(fence_, record); });
  } catch (const store::LeaseLost&) {
    control_.lost.store(true);
    throw;
  }
}

void StoreRunHooks::on_checkpoint(const train::CheckpointRecord& record) {
  store::CheckpointRow row;
  row.step = record.step;
  row.path = record.path;
  row.sha256 = record.sha256;
  std::vector<std::string> forgotten;
  bool recorded = false;
  try {
    recorded = write_waiting_while_full(run_.label, "checkpoint record", control_,
                                        [&] { forgotten = store_.record_checkpoint(fence_, row, keep_); });
  } catch (const store::LeaseLost&) {
    control_.lost.store(true);
    throw;
  }
  if (!recorded) throw DiskFullError(fmt::format("run {}: checkpoint {} not recorded: the disk is full", run_.label, row.path));
  LPS_CRASH_POINT("ckpt.recorded");  // the store has the new checkpoint; the forgotten files still exist
  for (const auto& path : forgotten) {
    std::error_code ec;
    std::filesystem::remove(path, ec);  // already gone is fine (the trainer prunes too)
  }
}

bool StoreRunHooks::should_stop() { return control_.any(); }

std::optional<train::CheckpointRecord> StoreRunHooks::latest_checkpoint() {
  for (const auto& row : store_.checkpoints(run_.run_id)) {
    std::string why;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(row.path, ec)) {
      why = "the file is missing";
    } else {
      try {
        const std::string actual = sha256_file_hex(row.path);
        if (actual != row.sha256) why = fmt::format("SHA-256 {} does not match the recorded {}", actual, row.sha256);
      } catch (const Error& e) {
        why = e.what();
      }
    }
    if (why.empty()) return train::CheckpointRecord{row.path, row.step, row.sha256};
    log_warn("run {}: checkpoint {} (step {}) rejected: {}", run_.label, row.path, row.step, why);
    store_.reject_checkpoint(fence_, row.id, why);
  }
  return std::nullopt;
}

void StoreRunHooks::reject_checkpoint(const train::CheckpointRecord& bad, const std::string& why) {
  for (const auto& row : store_.checkpoints(run_.run_id)) {
    if (row.path == bad.path) store_.reject_checkpoint(fence_, row.id, why);
  }
}

std::string StoreRunHooks::checkpoint_dir() {
  namespace fs = std::filesystem;
  // The key names a folder: only hex digits, so no stored value can point outside the output folder.
  if (run_.key.empty() || run_.key.find_first_not_of("0123456789abcdef") != std::string::npos) {
    throw IoError(fmt::format("run {}: key '{}' is not a hex RunKey; refusing to use it as a folder name", run_.label,
                              run_.key));
  }
  const fs::path dir = fs::path(run_.output_dir.empty() ? "." : run_.output_dir) / "checkpoints" / run_.key;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw IoError(fmt::format("run {}: cannot create checkpoint folder {}: {}", run_.label, dir.string(), ec.message()));
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  return dir.string();
}

}  // namespace lps::runner
