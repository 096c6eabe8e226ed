// Copying sweeps with their whole history from one store to another (`lpsweep store migrate`), e.g. from
// the SQLite file of a one-machine start to the PostgreSQL server of a cluster.
//
// Everything of the chosen sweeps moves in one destination transaction: sweeps, runs (state, attempts,
// failures, results, leases as they are), attempts (with their info), metrics, checkpoint rows and — for
// all sweeps, or those named like a chosen sweep — fits and benchmark results. Row ids are assigned by the
// destination; run keys, which identify runs everywhere, are kept. Before committing, the copy checks that
// the destination gained exactly the rows the source holds (per table); on any mismatch nothing is kept.
// The source is only read.
#pragma once

#include <lps/store/store.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lps::store {

struct CopyOptions {
  std::vector<std::string> sweeps;  // sweep names; empty = every sweep (and every fit and benchmark)
  bool into_non_empty = false;      // the destination may hold data already; runs whose key it has are
                                    // skipped with their history, sweeps with the same name are merged
  bool include_running = false;     // copy runs that are running in the source (else refused)
};

struct TableCounts {
  int64_t sweeps = 0, runs = 0, attempts = 0, metrics = 0, checkpoints = 0, fits = 0, benchmarks = 0;
  [[nodiscard]] bool operator==(const TableCounts&) const = default;
};

struct CopyReport {
  std::vector<std::string> sweeps;  // names copied
  TableCounts copied;               // rows added to the destination (verified against the source)
  int64_t runs_skipped = 0;         // runs whose key the destination already had (into_non_empty)
  int64_t running = 0;              // runs copied in the running state (include_running)
};

// Row counts of a store, per table.
[[nodiscard]] TableCounts count_rows(const Store& store);

// Copies as described above; throws lps::Error (kUserInput) for a non-empty destination without
// into_non_empty, unknown sweep names, running runs without include_running, or the same store as source and
// destination; IoError when the destination's counts do not match (nothing is kept then).
[[nodiscard]] CopyReport copy_store(const Store& from, Store& to, const CopyOptions& options = {});

}  // namespace lps::store
