// The queue: submit, claim, heartbeat, finish, requeue of expired leases, cancel, retry — and the fence
// that every per-attempt write passes.
#include <lps/core/clock.h>
#include <lps/core/crash_point.h>
#include <lps/core/error.h>
#include <lps/store/store.h>

#include "run_filter_sql.h"
#include "store_impl.h"

#include <fmt/format.h>

#include <cmath>

namespace lps::store {
namespace detail {

FencedRun check_fence(Connection& db, const Fence& fence, double now, const char* what) {
  auto st = db.prepare(std::string("SELECT state, attempts, lease_owner, lease_expires, failures, max_attempts, "
                                   "backoff_s FROM runs WHERE id = ?1") +
                       for_update(db));
  st.bind(1, fence.run_id);
  if (!st.step()) {
    throw LeaseLost(fmt::format("{} for run #{} attempt {}: no such run", what, fence.run_id, fence.attempt));
  }
  const std::string state = st.get_text(0);
  const int current = static_cast<int>(st.get_int(1));
  const std::string owner = st.get_text(2);
  const double expires = st.is_null(3) ? 0 : st.get_double(3);
  std::string why;
  if (current != fence.attempt) {
    why = fmt::format("attempt {} of worker '{}' has taken the run over", current, owner);
  } else if (state != "running") {
    why = fmt::format("the run is {} now", state);
  } else if (owner != fence.worker) {
    why = fmt::format("the lease belongs to worker '{}'", owner);
  } else if (expires < now) {
    why = fmt::format("its lease expired {:.1f} s ago", now - expires);
  }
  if (!why.empty()) {
    throw LeaseLost(fmt::format("{} rejected: run #{} attempt {} (worker '{}') no longer holds the run: {}", what,
                                fence.run_id, fence.attempt, fence.worker, why));
  }
  return {static_cast<int>(st.get_int(4)), static_cast<int>(st.get_int(5)), st.get_double(6)};
}

namespace {

double retry_delay(double backoff_s, int failures) {
  return backoff_s * std::pow(2.0, std::max(0, failures - 1));
}

// Requeues (or fails) every running run whose lease expired before `now`. Inside a write transaction.
int requeue_expired_locked(Connection& db, double now) {
  // PostgreSQL: rows another session holds are skipped (it is finishing or requeueing them itself).
  auto find = db.prepare(std::string("SELECT id, attempts, failures, max_attempts, backoff_s FROM runs "
                                     "WHERE state = 'running' AND lease_expires < ?1 ORDER BY id") +
                         (db.dialect() == Dialect::kPostgres ? " FOR UPDATE SKIP LOCKED" : ""));
  find.bind(1, now);
  struct Expired {
    int64_t id;
    int attempt, failures, max_attempts;
    double backoff_s;
  };
  std::vector<Expired> expired;
  while (find.step()) {
    expired.push_back({find.get_int(0), static_cast<int>(find.get_int(1)), static_cast<int>(find.get_int(2)),
                       static_cast<int>(find.get_int(3)), find.get_double(4)});
  }
  auto end_attempt = db.prepare(
      "UPDATE attempts SET outcome = 'lease_expired', ended = ?3, message = 'lease expired without a heartbeat' "
      "WHERE run_id = ?1 AND attempt = ?2 AND outcome IS NULL");
  auto requeue = db.prepare(
      "UPDATE runs SET state = ?2, failures = ?3, not_before = ?4, lease_owner = NULL, lease_expires = NULL, "
      "error = ?5, finished = ?6 WHERE id = ?1");
  for (const auto& e : expired) {
    end_attempt.bind(1, e.id).bind(2, e.attempt).bind(3, now).run();
    end_attempt.reset();
    const int failures = e.failures + 1;
    const bool give_up = failures >= e.max_attempts;
    const std::string error = fmt::format("attempt {}: lease expired without a heartbeat (worker killed or stuck){}",
                                          e.attempt, give_up ? fmt::format("; {} failures, giving up", failures) : "");
    requeue.bind(1, e.id).bind(2, give_up ? "failed" : "queued").bind(3, failures)
        .bind(4, give_up ? 0.0 : now + retry_delay(e.backoff_s, failures)).bind(5, error);
    if (give_up) requeue.bind(6, now); else requeue.bind_null(6);
    requeue.run();
    requeue.reset();
  }
  return static_cast<int>(expired.size());
}

// A key prefix that matches several runs is refused: cancel and retry act only on what the user meant.
void check_unambiguous(Connection& db, const RunFilter& filter) {
  auto st = db.prepare(
      "SELECT count(*) FROM runs r JOIN sweeps s ON s.id = r.sweep_id WHERE (?1 = '' OR s.name = ?1) "
      "AND length(?2) >= 6 AND substr(r.key, 1, length(?2)) = ?2 AND r.key != ?2 AND r.label != ?2");
  for (const auto& name : filter.runs) {
    st.bind(1, filter.sweep).bind(2, name);
    const int64_t n = st.step() ? st.get_int(0) : 0;
    st.reset();
    if (n > 1) {
      throw Error(ErrorKind::kUserInput,
                  fmt::format("run key prefix '{}' matches {} runs; give more of the key (lpsweep runs lists them)",
                              name, n));
    }
  }
}


// Reads the columns of a claimed run in the order both take_next_run queries select them.
void read_claimed(const Statement& st, ClaimedRun& run) {
  run.run_id = st.get_int(0);
  run.attempt = static_cast<int>(st.get_int(1));
  run.key = st.get_text(2);
  run.label = st.get_text(3);
  run.sweep = st.get_text(4);
  run.output_dir = st.get_text(5);
  run.spec_json = st.get_text(6);
  run.n_params = st.get_int(7);
  run.tokens = st.get_int(8);
  run.scheme = st.get_text(9);
}

// Moves the oldest claimable queued run to running for `worker` (attempts + 1, lease until `expires`) and
// fills `run`; false when none is claimable. Inside a write transaction.
bool take_next_run(Connection& db, double now, double expires, const std::string& worker, const std::string& sweep,
                   ClaimedRun& run) {
  run = {};
  run.worker = worker;
  run.lease_expires = expires;
  if (db.dialect() == Dialect::kPostgres) {
    // One statement: lock the oldest claimable row nobody else has locked, skipping locked ones (so
    // concurrent claimers never wait on each other or take the same run), and take it.
    auto take = db.prepare(
        "UPDATE runs r SET state = 'running', attempts = r.attempts + 1, lease_owner = ?3, lease_expires = ?4 "
        "FROM sweeps s WHERE s.id = r.sweep_id AND r.state = 'queued' AND r.id = ("
        "SELECT q.id FROM runs q JOIN sweeps qs ON qs.id = q.sweep_id "
        "WHERE q.state = 'queued' AND q.not_before <= ?1 AND (?2 = '' OR qs.name = ?2) "
        "ORDER BY q.id LIMIT 1 FOR UPDATE OF q SKIP LOCKED) "
        "RETURNING r.id, r.attempts, r.key, r.label, s.name, s.output_dir, r.spec_json, r.n_params, r.tokens, "
        "r.scheme");
    take.bind(1, now).bind(2, sweep).bind(3, worker).bind(4, expires);
    if (!take.step()) return false;
    read_claimed(take, run);
    return true;
  }
  auto pick = db.prepare(
      "SELECT r.id, r.attempts + 1, r.key, r.label, s.name, s.output_dir, r.spec_json, r.n_params, r.tokens, "
      "r.scheme FROM runs r JOIN sweeps s ON s.id = r.sweep_id "
      "WHERE r.state = 'queued' AND r.not_before <= ?1 AND (?2 = '' OR s.name = ?2) ORDER BY r.id LIMIT 1");
  pick.bind(1, now).bind(2, sweep);
  if (!pick.step()) return false;
  read_claimed(pick, run);
  auto take = db.prepare(
      "UPDATE runs SET state = 'running', attempts = ?2, lease_owner = ?3, lease_expires = ?4 "
      "WHERE id = ?1 AND state = 'queued'");
  take.bind(1, run.run_id).bind(2, run.attempt).bind(3, worker).bind(4, expires).run();
  if (db.changes() != 1) throw IoError(fmt::format("store {}: run #{} changed during its claim", db.path(), run.run_id));
  return true;
}

}  // namespace
}  // namespace detail

SubmitResult Store::submit(const SweepRecord& sweep, const std::vector<RunToSubmit>& runs) {
  if (sweep.name.empty()) throw Error(ErrorKind::kUserInput, "submit: the sweep has no name");
  for (const auto& run : runs) {
    if (run.key.empty()) throw Error(ErrorKind::kUserInput, fmt::format("submit: run '{}' has no key", run.label));
    if (run.max_attempts < 1) {
      throw Error(ErrorKind::kUserInput, fmt::format("submit: run '{}': max_attempts must be ≥ 1", run.label));
    }
  }
  std::lock_guard lock(impl_->mu);
  auto& db = impl_->db;
  SubmitResult result;
  db.write_txn([&] {
    result = {};
    const double now = db.now();
    auto up = db.prepare(
        "INSERT INTO sweeps (name, output_dir, source_file, created, updated) VALUES (?1, ?2, ?3, ?4, ?4) "
        "ON CONFLICT(name) DO UPDATE SET output_dir = excluded.output_dir, source_file = excluded.source_file, "
        "updated = excluded.updated");
    up.bind(1, sweep.name).bind(2, sweep.output_dir).bind(3, sweep.source_file).bind(4, now).run();
    auto id = db.prepare("SELECT id FROM sweeps WHERE name = ?1");
    id.bind(1, sweep.name);
    if (!id.step()) throw IoError(fmt::format("store {}: sweep '{}' vanished while submitting", db.path(), sweep.name));
    result.sweep_id = id.get_int(0);
    auto ins = db.prepare(
        "INSERT INTO runs (sweep_id, key, label, n_params, tokens, scheme, spec_json, state, "
        "max_attempts, backoff_s, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?8, ?9, ?10) "
        "ON CONFLICT (key) DO NOTHING");
    for (const auto& run : runs) {
      ins.bind(1, result.sweep_id).bind(2, run.key).bind(3, run.label).bind(4, run.n_params).bind(5, run.tokens)
          .bind(6, run.scheme).bind(7, run.spec_json).bind(8, run.max_attempts).bind(9, run.backoff_s)
          .bind(10, now);
      ins.run();
      if (db.changes() > 0) ++result.added; else ++result.existing;
      ins.reset();
    }
  });
  return result;
}

std::optional<ClaimedRun> Store::claim(const std::string& worker, const std::string& sweep, const std::string& info) {
  LPS_CHECK(!worker.empty(), "claim needs a worker id");
  std::lock_guard lock(impl_->mu);
  auto& db = impl_->db;
  std::optional<ClaimedRun> claimed;
  db.write_txn([&] {
    claimed.reset();
    const double now = db.now();
    detail::requeue_expired_locked(db, now);
    ClaimedRun run;
    if (!detail::take_next_run(db, now, now + impl_->options.lease_s, worker, sweep, run)) return;
    auto attempt = db.prepare(
        "INSERT INTO attempts (run_id, attempt, worker, started, heartbeat, lease_expires, info) "
        "VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)");
    attempt.bind(1, run.run_id).bind(2, run.attempt).bind(3, worker).bind(4, now).bind(5, run.lease_expires);
    if (info.empty()) attempt.bind_null(6); else attempt.bind(6, info);
    attempt.run();
    claimed = std::move(run);
    LPS_CRASH_POINT("store.claim.before_commit");
  });
  if (claimed) LPS_CRASH_POINT("store.claim.after_commit");
  return claimed;
}

HeartbeatStatus Store::heartbeat(const Fence& fence) {
  std::lock_guard lock(impl_->mu);
  auto& db = impl_->db;
  HeartbeatStatus status = HeartbeatStatus::kRenewed;
  db.write_txn([&] {
    status = HeartbeatStatus::kRenewed;
    const double now = db.now();
    try {
      detail::check_fence(db, fence, now, "heartbeat");
    } catch (const LeaseLost&) {
      auto st = db.prepare("SELECT state, attempts FROM runs WHERE id = ?1");
      st.bind(1, fence.run_id);
      const bool cancelled = st.step() && st.get_text(0) == "cancelled" && st.get_int(1) == fence.attempt;
      status = cancelled ? HeartbeatStatus::kCancelled : HeartbeatStatus::kLost;
      return;
    }
    const double expires = now + impl_->options.lease_s;
    auto run = db.prepare("UPDATE runs SET lease_expires = ?2 WHERE id = ?1");
    run.bind(1, fence.run_id).bind(2, expires).run();
    auto att = db.prepare("UPDATE attempts SET heartbeat = ?3, lease_expires = ?4 WHERE run_id = ?1 AND attempt = ?2");
    att.bind(1, fence.run_id).bind(2, fence.attempt).bind(3, now).bind(4, expires).run();
  });
  return status;
}

void Store::finish(const Fence& fence, const AttemptReport& report) {
  std::lock_guard lock(impl_->mu);
  auto& db = impl_->db;
  db.write_txn([&] {
    const double now = db.now();
    const auto fenced =
        detail::check_fence(db, fence, now, fmt::format("result ({})", to_string(report.outcome)).c_str());
    const int failures = fenced.failures;
    const int max_attempts = fenced.max_attempts;
    const double backoff_s = fenced.backoff_s;

    std::string state;
    int new_failures = failures;
    double not_before = 0;
    bool final = true;
    switch (report.outcome) {
      case AttemptOutcome::kCompleted: state = "completed"; break;
      case AttemptOutcome::kDiverged: state = "diverged"; break;
      case AttemptOutcome::kFailed:
        new_failures = failures + 1;
        final = new_failures >= max_attempts;
        state = final ? "failed" : "queued";
        not_before = final ? 0 : now + detail::retry_delay(backoff_s, new_failures);
        break;
      case AttemptOutcome::kStopped:
        state = "queued";
        final = false;
        break;
      case AttemptOutcome::kLeaseExpired:
      case AttemptOutcome::kCancelled:
        LPS_CHECK(false, "a worker reports only completed, diverged, failed or stopped (got {})",
                  to_string(report.outcome));
    }
    auto att = db.prepare(
        "UPDATE attempts SET outcome = ?3, ended = ?4, message = ?5 WHERE run_id = ?1 AND attempt = ?2");
    att.bind(1, fence.run_id).bind(2, fence.attempt).bind(3, to_string(report.outcome)).bind(4, now)
        .bind(5, report.message).run();
    auto run = db.prepare(
        "UPDATE runs SET state = ?2, failures = ?3, not_before = ?4, lease_owner = NULL, lease_expires = NULL, "
        "final_eval_loss = ?5, tokens_per_s = ?6, wall_s = ?7, steps = ?8, error = ?9, finished = ?10 "
        "WHERE id = ?1");
    run.bind(1, fence.run_id).bind(2, state).bind(3, new_failures).bind(4, not_before);
    const bool completed = report.outcome == AttemptOutcome::kCompleted;
    run.bind(5, completed ? report.final_eval_loss : std::nullopt);
    if (report.outcome == AttemptOutcome::kStopped) {
      run.bind_null(6).bind_null(7).bind_null(8).bind(9, "");
    } else {
      run.bind(6, report.tokens_per_s).bind(7, report.wall_s).bind(8, report.steps)
          .bind(9, completed ? std::string() : report.message);
    }
    if (final) run.bind(10, now); else run.bind_null(10);
    run.run();
    LPS_CRASH_POINT("store.finish.before_commit");
  });
  LPS_CRASH_POINT("store.finish.after_commit");
}

int Store::requeue_expired() {
  std::lock_guard lock(impl_->mu);
  int n = 0;
  impl_->db.write_txn([&] { n = detail::requeue_expired_locked(impl_->db, impl_->db.now()); });
  return n;
}

int Store::cancel(const RunFilter& filter) {
  std::lock_guard lock(impl_->mu);
  auto& db = impl_->db;
  const auto where = detail::build_filter_sql(filter);
  int n = 0;
  db.write_txn([&] {
    detail::check_unambiguous(db, filter);
    const double now = db.now();
    auto find = db.prepare("SELECT r.id, r.state, r.attempts FROM runs r JOIN sweeps s ON s.id = r.sweep_id WHERE (" +
                           where.where + ") AND r.state IN ('queued', 'running') ORDER BY r.id" +
                           (db.dialect() == detail::Dialect::kPostgres ? " FOR UPDATE OF r" : ""));
    where.bind(find);
    std::vector<std::tuple<int64_t, std::string, int>> hits;
    while (find.step()) hits.emplace_back(find.get_int(0), find.get_text(1), static_cast<int>(find.get_int(2)));
    auto att = db.prepare(
        "UPDATE attempts SET outcome = 'cancelled', ended = ?3, message = 'cancelled by the user' "
        "WHERE run_id = ?1 AND attempt = ?2 AND outcome IS NULL");
    auto run = db.prepare(
        "UPDATE runs SET state = 'cancelled', lease_owner = NULL, lease_expires = NULL, finished = ?2, "
        "error = 'cancelled by the user' WHERE id = ?1");
    for (const auto& [id, state, attempt] : hits) {
      if (state == "running") {
        att.bind(1, id).bind(2, attempt).bind(3, now).run();
        att.reset();
      }
      run.bind(1, id).bind(2, now).run();
      run.reset();
    }
    n = static_cast<int>(hits.size());
  });
  return n;
}

int Store::retry(const RunFilter& filter, bool include_diverged) {
  std::lock_guard lock(impl_->mu);
  auto& db = impl_->db;
  const auto where = detail::build_filter_sql(filter);
  int n = 0;
  db.write_txn([&] {
    detail::check_unambiguous(db, filter);
    auto st = db.prepare(
        "UPDATE runs SET state = 'queued', failures = 0, not_before = 0, error = '', finished = NULL, "
        "final_eval_loss = NULL, tokens_per_s = NULL, wall_s = NULL, steps = NULL "
        "WHERE id IN (SELECT r.id FROM runs r JOIN sweeps s ON s.id = r.sweep_id WHERE (" + where.where + ")) "
        "AND state IN ('failed', 'cancelled'" + std::string(include_diverged ? ", 'diverged'" : "") + ")");
    where.bind(st);
    st.run();
    n = db.changes();
  });
  return n;
}

}  // namespace lps::store
