// integrity_check() on PostgreSQL: the queue's own invariants, each as a query that returns the runs that
// break it.
#include "schema.h"

#include <fmt/format.h>

#include <string>

namespace lps::store::detail {
namespace {

struct Invariant {
  const char* what;
  const char* sql;  // returns the ids of the runs that break it
};

constexpr Invariant kInvariants[] = {
    {"running without an open attempt numbered runs.attempts",
     "SELECT r.id FROM runs r WHERE r.state = 'running' AND NOT EXISTS (SELECT 1 FROM attempts a "
     "WHERE a.run_id = r.id AND a.attempt = r.attempts AND a.outcome IS NULL) ORDER BY r.id LIMIT 20"},
    {"an attempt numbered above runs.attempts",
     "SELECT DISTINCT r.id FROM runs r JOIN attempts a ON a.run_id = r.id WHERE a.attempt > r.attempts "
     "ORDER BY r.id LIMIT 20"},
    {"an open attempt while the run is not running",
     "SELECT DISTINCT r.id FROM runs r JOIN attempts a ON a.run_id = r.id WHERE a.outcome IS NULL "
     "AND r.state != 'running' ORDER BY r.id LIMIT 20"},
    {"more than one open attempt",
     "SELECT run_id FROM attempts WHERE outcome IS NULL GROUP BY run_id HAVING count(*) > 1 ORDER BY run_id LIMIT 20"},
};

}  // namespace

std::string postgres_consistency_problems(Connection& db) {
  std::string out;
  for (const auto& inv : kInvariants) {
    auto st = db.prepare(inv.sql);
    std::string ids;
    while (st.step()) ids += (ids.empty() ? "#" : ", #") + std::to_string(st.get_int(0));
    if (!ids.empty()) out += fmt::format("{}runs {}: {}", out.empty() ? "" : "\n", ids, inv.what);
  }
  return out.empty() ? "ok" : out;
}

}  // namespace lps::store::detail
