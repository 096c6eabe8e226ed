// Per-attempt records (metrics, checkpoints; fenced) and generic artifacts (fits, benchmark results).
#include <lps/core/clock.h>
#include <lps/core/crash_point.h>
#include <lps/core/error.h>
#include <lps/store/store.h>

#include "store_impl.h"

#include <fmt/format.h>

namespace lps::store {
namespace {

std::vector<CheckpointRow> read_checkpoints(detail::Connection& db, int64_t run_id) {
  auto st = db.prepare(
      "SELECT id, run_id, attempt, step, path, sha256, created FROM checkpoints "
      "WHERE run_id = ?1 AND rejected IS NULL ORDER BY step DESC, id DESC");
  st.bind(1, run_id);
  std::vector<CheckpointRow> rows;
  while (st.step()) {
    rows.push_back({st.get_int(0), st.get_int(1), static_cast<int>(st.get_int(2)), st.get_int(3), st.get_text(4),
                    st.get_text(5), st.get_double(6)});
  }
  return rows;
}

int64_t save_artifact(detail::Connection& db, const char* table, const Artifact& a) {
  if (a.name.empty() || a.kind.empty()) {
    throw Error(ErrorKind::kUserInput, fmt::format("saving to {}: name and kind must not be empty", table));
  }
  int64_t id = 0;
  db.write_txn([&] {
    auto st = db.prepare(
        fmt::format("INSERT INTO {} (name, kind, payload_json, created) VALUES (?1, ?2, ?3, ?4) RETURNING id", table));
    st.bind(1, a.name).bind(2, a.kind).bind(3, a.payload_json).bind(4, db.now());
    if (!st.step()) throw IoError(fmt::format("store {}: saving to {} returned no id", db.path(), table));
    id = st.get_int(0);
    st.run();
  });
  return id;
}

std::vector<Artifact> read_artifacts(detail::Connection& db, const char* table, const std::string& name) {
  std::vector<Artifact> out;
  db.read_txn([&] {
    out.clear();
    auto st = db.prepare(fmt::format(
        "SELECT id, name, kind, payload_json, created FROM {} WHERE (?1 = '' OR name = ?1) ORDER BY id", table));
    st.bind(1, name);
    while (st.step()) out.push_back({st.get_int(0), st.get_text(1), st.get_text(2), st.get_text(3), st.get_double(4)});
  });
  return out;
}

}  // namespace

void Store::record_metrics(const Fence& fence, const MetricRecord& m) {
  std::lock_guard lock(impl_->mu);
  auto& db = impl_->db;
  db.write_txn([&] {
    const double now = db.now();
    detail::check_fence(db, fence, now, "metrics");
    auto st = db.prepare(
        "INSERT INTO metrics (run_id, attempt, step, tokens, train_loss, eval_loss, lr, grad_norm, tokens_per_s, "
        "time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    st.bind(1, fence.run_id).bind(2, fence.attempt).bind(3, m.step).bind(4, m.tokens).bind(5, m.train_loss)
        .bind(6, m.eval_loss).bind(7, m.lr).bind(8, m.grad_norm).bind(9, m.tokens_per_s).bind(10, now).run();
    LPS_CRASH_POINT("store.metrics.before_commit");
  });
}

std::vector<std::string> Store::record_checkpoint(const Fence& fence, const CheckpointRow& c, int keep) {
  LPS_CHECK(keep >= 1, "keep must be ≥ 1 (got {})", keep);
  std::lock_guard lock(impl_->mu);
  auto& db = impl_->db;
  std::vector<std::string> forgotten;
  db.write_txn([&] {
    forgotten.clear();
    const double now = db.now();
    detail::check_fence(db, fence, now, "checkpoint");
    auto st = db.prepare(
        "INSERT INTO checkpoints (run_id, attempt, step, path, sha256, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    st.bind(1, fence.run_id).bind(2, fence.attempt).bind(3, c.step).bind(4, c.path).bind(5, c.sha256).bind(6, now).run();
    const auto rows = read_checkpoints(db, fence.run_id);
    auto del = db.prepare("DELETE FROM checkpoints WHERE id = ?1");
    for (size_t i = static_cast<size_t>(keep); i < rows.size(); ++i) {
      del.bind(1, rows[i].id).run();
      del.reset();
      if (rows[i].path != c.path) forgotten.push_back(rows[i].path);
    }
  });
  return forgotten;
}

void Store::reject_checkpoint(const Fence& fence, int64_t checkpoint_id, const std::string& why) {
  std::lock_guard lock(impl_->mu);
  auto& db = impl_->db;
  db.write_txn([&] {
    detail::check_fence(db, fence, db.now(), "checkpoint rejection");
    auto st = db.prepare("UPDATE checkpoints SET rejected = ?3 WHERE id = ?1 AND run_id = ?2");
    st.bind(1, checkpoint_id).bind(2, fence.run_id).bind(3, why.empty() ? std::string("rejected") : why).run();
  });
}

std::vector<CheckpointRow> Store::checkpoints(int64_t run_id) const {
  std::lock_guard lock(impl_->mu);
  std::vector<CheckpointRow> rows;
  impl_->db.read_txn([&] { rows = read_checkpoints(impl_->db, run_id); });
  return rows;
}

int64_t Store::save_fit(const Artifact& fit) {
  std::lock_guard lock(impl_->mu);
  return save_artifact(impl_->db, "fits", fit);
}
std::vector<Artifact> Store::fits(const std::string& name) const {
  std::lock_guard lock(impl_->mu);
  return read_artifacts(impl_->db, "fits", name);
}
int64_t Store::save_benchmark(const Artifact& result) {
  std::lock_guard lock(impl_->mu);
  return save_artifact(impl_->db, "benchmarks", result);
}
std::vector<Artifact> Store::benchmarks(const std::string& name) const {
  std::lock_guard lock(impl_->mu);
  return read_artifacts(impl_->db, "benchmarks", name);
}

}  // namespace lps::store
