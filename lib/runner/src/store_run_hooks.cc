#include <lps/core/error.h>
#include <lps/core/log.h>
#include <lps/core/sha256.h>
#include <lps/runner/store_run_hooks.h>

#include <fmt/format.h>

#include <filesystem>

namespace lps::runner {

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
    store_.record_metrics(fence_, record);
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
  try {
    forgotten = store_.record_checkpoint(fence_, row, keep_);
  } catch (const store::LeaseLost&) {
    control_.lost.store(true);
    throw;
  }
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
