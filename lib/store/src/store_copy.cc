// copy_store: row-by-row copy of chosen sweeps between two stores of any backends, ids remapped, verified
// by counts before the destination commits.
#include <lps/core/error.h>
#include <lps/store/store_copy.h>

#include "store_impl.h"

#include <fmt/format.h>

#include <map>
#include <set>

namespace lps::store {
namespace {

using detail::Connection;
using detail::Statement;

// Column types for passing values through unchanged: i = integer, d = double, t = text (each nullable).
struct Columns {
  const char* names;  // comma-separated, in this order
  const char* types;  // one letter per column
};

constexpr Columns kSweepColumns{"name, output_dir, source_file, created, updated", "tttdd"};
constexpr Columns kRunColumns{
    "key, label, n_params, tokens, scheme, spec_json, state, attempts, failures, max_attempts, backoff_s, "
    "not_before, lease_owner, lease_expires, final_eval_loss, tokens_per_s, wall_s, steps, error, created, finished",
    "ttiitttiiiddtddddit" "dd"};
constexpr Columns kAttemptColumns{"attempt, worker, started, heartbeat, lease_expires, ended, outcome, message, info",
                                  "itdddd" "ttt"};
constexpr Columns kMetricColumns{"attempt, step, tokens, train_loss, eval_loss, lr, grad_norm, tokens_per_s, time",
                                 "iiidddddd"};
constexpr Columns kCheckpointColumns{"attempt, step, path, sha256, created, rejected", "iittdt"};
constexpr Columns kArtifactColumns{"name, kind, payload_json, created", "tttd"};

constexpr bool consistent(const Columns& c) {
  size_t commas = 0, types = 0;
  for (const char* p = c.names; *p != '\0'; ++p) commas += *p == ',' ? 1 : 0;
  for (const char* p = c.types; *p != '\0'; ++p) ++types;
  return commas + 1 == types;
}
static_assert(consistent(kSweepColumns) && consistent(kRunColumns) && consistent(kAttemptColumns) &&
                  consistent(kMetricColumns) && consistent(kCheckpointColumns) && consistent(kArtifactColumns),
              "one type letter per column");

// Binds column `from_col` of `in` to parameter `to_param` of `out`, by type.
void pass(const Statement& in, int from_col, Statement& out, int to_param, char type) {
  if (in.is_null(from_col)) {
    out.bind_null(to_param);
    return;
  }
  switch (type) {
    case 'i': out.bind(to_param, in.get_int(from_col)); break;
    case 'd': out.bind(to_param, in.get_double(from_col)); break;
    default: out.bind(to_param, in.get_text(from_col)); break;
  }
}

// "?2, ?3, ..." for `n` parameters starting at `first`.
std::string params(int first, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += fmt::format("{}?{}", i ? ", " : "", first + static_cast<int>(i));
  return out;
}

int64_t count(Connection& db, const std::string& sql, int64_t bound = -1) {
  auto st = db.prepare(sql);
  if (bound >= 0) st.bind(1, bound);
  return st.step() ? st.get_int(0) : 0;
}

TableCounts count_all(Connection& db) {
  TableCounts c;
  c.sweeps = count(db, "SELECT count(*) FROM sweeps");
  c.runs = count(db, "SELECT count(*) FROM runs");
  c.attempts = count(db, "SELECT count(*) FROM attempts");
  c.metrics = count(db, "SELECT count(*) FROM metrics");
  c.checkpoints = count(db, "SELECT count(*) FROM checkpoints");
  c.fits = count(db, "SELECT count(*) FROM fits");
  c.benchmarks = count(db, "SELECT count(*) FROM benchmarks");
  return c;
}

TableCounts operator-(const TableCounts& a, const TableCounts& b) {
  return {a.sweeps - b.sweeps,           a.runs - b.runs, a.attempts - b.attempts,     a.metrics - b.metrics,
          a.checkpoints - b.checkpoints, a.fits - b.fits, a.benchmarks - b.benchmarks};
}

std::string describe(const TableCounts& c) {
  return fmt::format("sweeps {}, runs {}, attempts {}, metrics {}, checkpoints {}, fits {}, benchmarks {}", c.sweeps,
                     c.runs, c.attempts, c.metrics, c.checkpoints, c.fits, c.benchmarks);
}

// The rows of one per-run table (attempts, metrics, checkpoints): copied for runs in `runs` (source id →
// destination id); `skipped` counts rows of runs left out.
int64_t copy_run_rows(Connection& src, Connection& dst, const char* table, const Columns& cols, const char* order,
                      const std::map<int64_t, int64_t>& runs, int64_t& skipped) {
  const std::string types = cols.types;
  auto in = src.prepare(fmt::format("SELECT run_id, {} FROM {} ORDER BY {}", cols.names, table, order));
  auto out = dst.prepare(
      fmt::format("INSERT INTO {} (run_id, {}) VALUES ({})", table, cols.names, params(1, types.size() + 1)));
  int64_t n = 0;
  while (in.step()) {
    const auto it = runs.find(in.get_int(0));
    if (it == runs.end()) {
      ++skipped;
      continue;
    }
    out.bind(1, it->second);
    for (size_t i = 0; i < types.size(); ++i) pass(in, static_cast<int>(i) + 1, out, static_cast<int>(i) + 2, types[i]);
    out.run();
    out.reset();
    ++n;
  }
  return n;
}

int64_t copy_artifacts(Connection& src, Connection& dst, const char* table, const std::set<std::string>& names) {
  const std::string types = kArtifactColumns.types;
  auto in = src.prepare(fmt::format("SELECT {} FROM {} ORDER BY id", kArtifactColumns.names, table));
  auto out = dst.prepare(
      fmt::format("INSERT INTO {} ({}) VALUES ({})", table, kArtifactColumns.names, params(1, types.size())));
  int64_t n = 0;
  while (in.step()) {
    if (!names.empty() && names.count(in.get_text(0)) == 0) continue;
    for (size_t i = 0; i < types.size(); ++i) pass(in, static_cast<int>(i), out, static_cast<int>(i) + 1, types[i]);
    out.run();
    out.reset();
    ++n;
  }
  return n;
}

// What the source holds for the chosen sweeps, counted by SQL (independently of the copy loops).
TableCounts source_counts(Connection& src, const std::vector<int64_t>& sweep_ids, const std::set<std::string>& names) {
  TableCounts c;
  c.sweeps = static_cast<int64_t>(sweep_ids.size());
  for (int64_t id : sweep_ids) {
    c.runs += count(src, "SELECT count(*) FROM runs WHERE sweep_id = ?1", id);
    c.attempts += count(src, "SELECT count(*) FROM attempts a JOIN runs r ON r.id = a.run_id WHERE r.sweep_id = ?1", id);
    c.metrics += count(src, "SELECT count(*) FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.sweep_id = ?1", id);
    c.checkpoints +=
        count(src, "SELECT count(*) FROM checkpoints k JOIN runs r ON r.id = k.run_id WHERE r.sweep_id = ?1", id);
  }
  if (names.empty()) {
    c.fits = count(src, "SELECT count(*) FROM fits");
    c.benchmarks = count(src, "SELECT count(*) FROM benchmarks");
  } else {
    for (const auto& name : names) {
      auto f = src.prepare("SELECT count(*) FROM fits WHERE name = ?1");
      f.bind(1, name);
      c.fits += f.step() ? f.get_int(0) : 0;
      auto b = src.prepare("SELECT count(*) FROM benchmarks WHERE name = ?1");
      b.bind(1, name);
      c.benchmarks += b.step() ? b.get_int(0) : 0;
    }
  }
  return c;
}

}  // namespace

TableCounts count_rows(const Store& store) {
  auto& impl = *store.impl();
  std::lock_guard lock(impl.mu);
  TableCounts c;
  impl.db.read_txn([&] { c = count_all(impl.db); });
  return c;
}

CopyReport copy_store(const Store& from, Store& to, const CopyOptions& options) {
  auto& src_impl = *from.impl();
  auto& dst_impl = *to.impl();
  if (&src_impl == &dst_impl || from.path() == to.path()) {
    throw Error(ErrorKind::kUserInput, fmt::format("the source and the destination are the same store ({})", from.path()));
  }
  std::scoped_lock lock(src_impl.mu, dst_impl.mu);
  Connection& src = src_impl.db;
  Connection& dst = dst_impl.db;
  CopyReport report;
  src.read_txn([&] {
    report = {};
    // The chosen sweeps.
    std::vector<std::pair<int64_t, std::string>> sweeps;
    {
      auto st = src.prepare("SELECT id, name FROM sweeps ORDER BY id");
      while (st.step()) sweeps.emplace_back(st.get_int(0), st.get_text(1));
    }
    const std::set<std::string> wanted(options.sweeps.begin(), options.sweeps.end());
    for (const auto& name : wanted) {
      bool found = false;
      for (const auto& s : sweeps) found = found || s.second == name;
      if (!found) {
        std::string known;
        for (const auto& s : sweeps) known += (known.empty() ? "" : ", ") + s.second;
        throw Error(ErrorKind::kUserInput, fmt::format("no sweep '{}' in {} (it has: {})", name, from.path(),
                                                       known.empty() ? "no sweeps" : known));
      }
    }
    std::vector<int64_t> ids;
    for (const auto& s : sweeps) {
      if (wanted.empty() || wanted.count(s.second) != 0) {
        ids.push_back(s.first);
        report.sweeps.push_back(s.second);
      }
    }
    int64_t running = 0;
    for (int64_t id : ids) running += count(src, "SELECT count(*) FROM runs WHERE sweep_id = ?1 AND state = 'running'", id);
    if (running > 0 && !options.include_running) {
      throw Error(ErrorKind::kUserInput,
                  fmt::format("{} run{} running in {}; stop its workers first (lpsweep status shows them), or copy them "
                              "as they are with --include-running (their leases expire in the destination and they "
                              "are requeued there, while the old workers keep writing to the source only)",
                              running, running == 1 ? " is" : "s are", from.path()));
    }
    const TableCounts expected_all = source_counts(src, ids, wanted);

    dst.write_txn([&] {
      report.copied = {};
      report.runs_skipped = 0;
      report.running = running;
      const TableCounts before = count_all(dst);
      if (!options.into_non_empty && (before.sweeps > 0 || before.runs > 0 || before.fits > 0 || before.benchmarks > 0)) {
        throw Error(ErrorKind::kUserInput,
                    fmt::format("the destination {} is not empty ({}); copy into it anyway with --into-non-empty (runs "
                                "whose key it has are skipped, sweeps of the same name merged)",
                                to.path(), describe(before)));
      }
      // Sweeps: merged by name.
      std::map<int64_t, int64_t> sweep_map;
      {
        auto in = src.prepare(fmt::format("SELECT id, {} FROM sweeps ORDER BY id", kSweepColumns.names));
        auto ins = dst.prepare(fmt::format("INSERT INTO sweeps ({}) VALUES ({}) ON CONFLICT (name) DO NOTHING RETURNING id",
                                           kSweepColumns.names, params(1, 5)));
        auto find = dst.prepare("SELECT id FROM sweeps WHERE name = ?1");
        const std::set<int64_t> chosen(ids.begin(), ids.end());
        const std::string types = kSweepColumns.types;
        while (in.step()) {
          if (chosen.count(in.get_int(0)) == 0) continue;
          for (size_t i = 0; i < types.size(); ++i) pass(in, static_cast<int>(i) + 1, ins, static_cast<int>(i) + 1, types[i]);
          if (ins.step()) {
            sweep_map[in.get_int(0)] = ins.get_int(0);
            ++report.copied.sweeps;
          } else {
            find.bind(1, in.get_text(1));
            if (!find.step()) throw IoError(fmt::format("store {}: sweep '{}' vanished", to.path(), in.get_text(1)));
            sweep_map[in.get_int(0)] = find.get_int(0);
            find.reset();
          }
          ins.reset();
        }
      }
      // Runs: skipped (with their history) when the destination has the key.
      std::map<int64_t, int64_t> run_map;
      int64_t skipped_runs = 0;
      {
        const std::string types = kRunColumns.types;
        auto in = src.prepare(fmt::format("SELECT id, sweep_id, {} FROM runs ORDER BY id", kRunColumns.names));
        auto ins = dst.prepare(fmt::format("INSERT INTO runs (sweep_id, {}) VALUES ({}) ON CONFLICT (key) DO NOTHING "
                                           "RETURNING id",
                                           kRunColumns.names, params(1, types.size() + 1)));
        while (in.step()) {
          const auto sweep = sweep_map.find(in.get_int(1));
          if (sweep == sweep_map.end()) continue;
          ins.bind(1, sweep->second);
          for (size_t i = 0; i < types.size(); ++i) pass(in, static_cast<int>(i) + 2, ins, static_cast<int>(i) + 2, types[i]);
          if (ins.step()) {
            run_map[in.get_int(0)] = ins.get_int(0);
            ++report.copied.runs;
          } else {
            ++skipped_runs;
          }
          ins.reset();
        }
      }
      report.runs_skipped = skipped_runs;
      // Rows of runs that were not chosen are not counted as skipped: only those of chosen-but-skipped runs.
      int64_t ignored = 0;
      report.copied.attempts = copy_run_rows(src, dst, "attempts", kAttemptColumns, "run_id, attempt", run_map, ignored);
      report.copied.metrics = copy_run_rows(src, dst, "metrics", kMetricColumns, "id", run_map, ignored);
      report.copied.checkpoints = copy_run_rows(src, dst, "checkpoints", kCheckpointColumns, "id", run_map, ignored);
      report.copied.fits = copy_artifacts(src, dst, "fits", wanted);
      report.copied.benchmarks = copy_artifacts(src, dst, "benchmarks", wanted);

      // Verify: the destination gained exactly what was inserted, and — when nothing was skipped — exactly what
      // the source holds for the chosen sweeps.
      const TableCounts gained = count_all(dst) - before;
      if (!(gained == report.copied)) {
        throw IoError(fmt::format("store {}: after the copy the destination gained {} but {} were inserted; nothing "
                                  "was kept",
                                  to.path(), describe(gained), describe(report.copied)));
      }
      TableCounts expected = expected_all;
      expected.sweeps = report.copied.sweeps;  // merged sweeps are not new rows
      if (skipped_runs == 0 && !(expected == report.copied)) {
        throw IoError(fmt::format("store {}: the source holds {} for these sweeps but {} were copied; nothing was kept",
                                  from.path(), describe(expected), describe(report.copied)));
      }
    });
  });
  return report;
}

}  // namespace lps::store
