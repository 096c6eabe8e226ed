// Read-only queries behind `lpsweep status`, `runs` and `export runs`.
#include <lps/store/store.h>

#include "run_filter_sql.h"
#include "store_impl.h"

namespace lps::store {

std::vector<SweepRow> Store::sweeps() const {
  std::lock_guard lock(impl_->mu);
  std::vector<SweepRow> out;
  impl_->db.read_txn([&] {
    out.clear();
    auto st = impl_->db.prepare("SELECT id, name, output_dir, source_file, created FROM sweeps ORDER BY id");
    while (st.step()) out.push_back({st.get_int(0), st.get_text(1), st.get_text(2), st.get_text(3), st.get_double(4)});
  });
  return out;
}

std::vector<RunRow> Store::runs(const RunFilter& filter) const {
  std::lock_guard lock(impl_->mu);
  const auto where = detail::build_filter_sql(filter);
  std::vector<RunRow> out;
  impl_->db.read_txn([&] {
    out.clear();
    auto st = impl_->db.prepare(
        "SELECT r.id, s.name, r.key, r.label, r.n_params, r.tokens, r.scheme, r.state, r.attempts, r.failures, "
        "r.max_attempts, r.final_eval_loss, r.tokens_per_s, r.wall_s, r.steps, r.error, r.lease_owner, "
        "r.not_before, r.created, r.finished, m.tokens, m.step, m.train_loss, m.tokens_per_s "
        "FROM runs r JOIN sweeps s ON s.id = r.sweep_id "
        "LEFT JOIN metrics m ON m.id = (SELECT max(id) FROM metrics WHERE run_id = r.id) "
        "WHERE " + where.where + " ORDER BY r.id");
    where.bind(st);
    while (st.step()) {
      RunRow r;
      r.id = st.get_int(0);
      r.sweep = st.get_text(1);
      r.key = st.get_text(2);
      r.label = st.get_text(3);
      r.n_params = st.get_int(4);
      r.tokens = st.get_int(5);
      r.scheme = st.get_text(6);
      r.state = parse_run_state(st.get_text(7)).value_or(RunState::kQueued);
      r.attempts = static_cast<int>(st.get_int(8));
      r.failures = static_cast<int>(st.get_int(9));
      r.max_attempts = static_cast<int>(st.get_int(10));
      r.final_eval_loss = st.get_opt_double(11);
      r.tokens_per_s = st.get_opt_double(12);
      r.wall_s = st.get_opt_double(13);
      r.steps = st.get_opt_int(14);
      r.error = st.get_text(15);
      r.lease_owner = st.get_text(16);
      r.not_before = st.get_double(17);
      r.created = st.get_double(18);
      r.finished = st.get_opt_double(19);
      r.progress_tokens = st.get_opt_int(20);
      r.progress_step = st.get_opt_int(21);
      r.progress_train_loss = st.get_opt_double(22);
      r.progress_tokens_per_s = st.get_opt_double(23);
      out.push_back(std::move(r));
    }
  });
  return out;
}

StateCounts Store::count_states(const std::string& sweep) const {
  std::lock_guard lock(impl_->mu);
  StateCounts counts;
  impl_->db.read_txn([&] {
    counts = {};
    auto st = impl_->db.prepare(
        "SELECT r.state, count(*) FROM runs r JOIN sweeps s ON s.id = r.sweep_id "
        "WHERE (?1 = '' OR s.name = ?1) GROUP BY r.state");
    st.bind(1, sweep);
    while (st.step()) {
      if (const auto state = parse_run_state(st.get_text(0))) counts.by_state[static_cast<int>(*state)] = st.get_int(1);
    }
  });
  return counts;
}

std::vector<AttemptRow> Store::attempts(int64_t run_id) const {
  std::lock_guard lock(impl_->mu);
  std::vector<AttemptRow> out;
  impl_->db.read_txn([&] {
    out.clear();
    auto st = impl_->db.prepare(
        "SELECT run_id, attempt, worker, started, heartbeat, lease_expires, ended, outcome, message, info "
        "FROM attempts WHERE run_id = ?1 ORDER BY attempt");
    st.bind(1, run_id);
    while (st.step()) {
      AttemptRow a;
      a.run_id = st.get_int(0);
      a.attempt = static_cast<int>(st.get_int(1));
      a.worker = st.get_text(2);
      a.started = st.get_double(3);
      a.heartbeat = st.get_double(4);
      a.lease_expires = st.get_double(5);
      a.ended = st.get_opt_double(6);
      if (const auto o = st.get_opt_text(7)) a.outcome = parse_attempt_outcome(*o);
      a.message = st.get_text(8);
      a.info = st.get_opt_text(9);
      out.push_back(std::move(a));
    }
  });
  return out;
}

std::vector<MetricRecord> Store::metrics(int64_t run_id) const {
  std::lock_guard lock(impl_->mu);
  std::vector<MetricRecord> out;
  impl_->db.read_txn([&] {
    out.clear();
    auto st = impl_->db.prepare(
        "SELECT step, tokens, train_loss, eval_loss, lr, grad_norm, tokens_per_s FROM metrics WHERE run_id = ?1 "
        "ORDER BY id");
    st.bind(1, run_id);
    while (st.step()) {
      out.push_back({st.get_int(0), st.get_int(1), st.get_double(2), st.get_opt_double(3), st.get_double(4),
                     st.get_double(5), st.get_double(6)});
    }
  });
  return out;
}

std::optional<std::string> Store::run_spec_json(const std::string& key) const {
  std::lock_guard lock(impl_->mu);
  std::optional<std::string> out;
  impl_->db.read_txn([&] {
    out.reset();
    auto st = impl_->db.prepare("SELECT spec_json FROM runs WHERE key = ?1");
    st.bind(1, key);
    if (st.step()) out = st.get_text(0);
  });
  return out;
}

}  // namespace lps::store
