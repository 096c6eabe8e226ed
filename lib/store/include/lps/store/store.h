// Store: where a sweep's queue, attempts, metrics, checkpoints, fits and benchmarks live — a SQLite file
// (one machine) or a PostgreSQL database (many machines; docs/postgresql.md), chosen by the store URL.
//
// One Store object is one connection; it is safe to use from several threads (calls are serialised), and
// any number of processes may open the same store. SQLite writes run in BEGIN IMMEDIATE transactions
// retried with backoff, so lock contention (SQLITE_BUSY) never surfaces; only a lock held for
// StoreOptions::busy_give_up_s is reported, as an IoError naming the file. PostgreSQL claims lock one row
// with FOR UPDATE SKIP LOCKED; deadlocks and serialization failures are retried the same way. Lease times
// come from the client clock on SQLite and from the server clock on PostgreSQL.
//
// Queue protocol (docs/queue.md):
//   claim()      atomically moves the oldest claimable queued run to running, starts attempt n+1 with a
//                lease of lease_s, and first requeues runs whose lease expired (their worker died);
//   heartbeat()  renews the lease;
//   record_*() / finish()  are fenced: they succeed only while (run, attempt, worker) is the run's current
//                attempt, the run is running and the lease has not expired; otherwise they throw LeaseLost
//                and write nothing — a paused or partitioned ("zombie") worker cannot overwrite a takeover.
//
// open() refuses network filesystems for SQLite (its locking is unreliable there), stores with a schema
// newer than this build, and databases that are not lpsweep stores; it creates new SQLite files with mode
// 0600 and creates the tables of an empty PostgreSQL database (or schema).
#pragma once

#include <lps/store/lease_lost_error.h>
#include <lps/store/records.h>
#include <lps/store/store_options.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lps::store {

// The newest schema this build knows; older stores are migrated when opened.
inline constexpr int kSchemaVersion = 3;

class Store {
 public:
  // Opens or creates the store at `url` (store_url.h: a SQLite path, sqlite:PATH, or postgresql://...);
  // throws IoError (unreadable, network filesystem, server unreachable, authentication failed, no such
  // database, not a store, newer schema) or UserInputError-kind lps::Error for invalid options.
  [[nodiscard]] static Store open(const std::string& url, const StoreOptions& options = {});
  ~Store();
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;

  // The SQLite file, or the PostgreSQL URL with its password redacted (safe to print).
  [[nodiscard]] const std::string& path() const;
  [[nodiscard]] const StoreOptions& options() const;
  [[nodiscard]] int schema_version() const;
  // "ok" when sound, else the problems: SQLite's PRAGMA integrity_check; on PostgreSQL the queue's
  // invariants (storage integrity is the server's).
  [[nodiscard]] std::string integrity_check() const;

  // ---- submit -------------------------------------------------------------------------------------
  // Adds the sweep (or updates its output dir) and queues every run whose key is new, in one transaction.
  // Existing runs, finished or not, are never touched. Safe to call concurrently from many processes.
  [[nodiscard]] SubmitResult submit(const SweepRecord& sweep, const std::vector<RunToSubmit>& runs);

  // ---- queue --------------------------------------------------------------------------------------
  // Claims the oldest claimable run (of `sweep` when not empty) for `worker`; nullopt when none is
  // claimable right now. Requeues (or fails, past max_attempts) runs whose lease expired. `info` (free-form
  // JSON, e.g. SLURM job and array ids) is stored on the new attempt (AttemptRow::info); empty = NULL.
  [[nodiscard]] std::optional<ClaimedRun> claim(const std::string& worker, const std::string& sweep = {},
                                                const std::string& info = {});
  // Renews the lease of the fenced attempt; says whether it still holds the run.
  [[nodiscard]] HeartbeatStatus heartbeat(const Fence& fence);
  // Ends the attempt (fenced): completed/diverged are final, failed is requeued with backoff until
  // max_attempts failures, stopped is requeued at once without counting as a failure.
  void finish(const Fence& fence, const AttemptReport& report);
  // Requeues expired leases now (claim() does this too); returns how many runs it touched.
  int requeue_expired();
  // Moves matching queued/running runs to cancelled; running attempts are fenced off. Returns the count.
  int cancel(const RunFilter& filter);
  // Moves matching failed and cancelled runs (diverged ones only with include_diverged) back to queued,
  // with their failure count reset. Returns the count.
  int retry(const RunFilter& filter, bool include_diverged = false);

  // ---- per-attempt records (fenced) ---------------------------------------------------------------
  void record_metrics(const Fence& fence, const MetricRecord& metrics);
  // Records a checkpoint and forgets all but the newest `keep` of the run; returns the paths forgotten
  // (the caller deletes those files).
  [[nodiscard]] std::vector<std::string> record_checkpoint(const Fence& fence, const CheckpointRow& checkpoint,
                                                           int keep);
  // Marks a checkpoint unusable (failed verification); it is never offered again.
  void reject_checkpoint(const Fence& fence, int64_t checkpoint_id, const std::string& why);
  // Usable checkpoints of a run, newest step first.
  [[nodiscard]] std::vector<CheckpointRow> checkpoints(int64_t run_id) const;

  // ---- queries ------------------------------------------------------------------------------------
  [[nodiscard]] std::vector<SweepRow> sweeps() const;
  [[nodiscard]] std::vector<RunRow> runs(const RunFilter& filter = {}) const;
  [[nodiscard]] StateCounts count_states(const std::string& sweep = {}) const;
  [[nodiscard]] std::vector<AttemptRow> attempts(int64_t run_id) const;
  [[nodiscard]] std::vector<MetricRecord> metrics(int64_t run_id) const;
  [[nodiscard]] std::optional<std::string> run_spec_json(const std::string& key) const;

  // ---- fits and benchmark results -----------------------------------------------------------------
  int64_t save_fit(const Artifact& fit);
  [[nodiscard]] std::vector<Artifact> fits(const std::string& name = {}) const;
  int64_t save_benchmark(const Artifact& result);
  [[nodiscard]] std::vector<Artifact> benchmarks(const std::string& name = {}) const;

  struct Impl;
  // lib/store's own access to the connection (store_copy.cc); Impl is opaque everywhere else.
  [[nodiscard]] Impl* impl() const { return impl_.get(); }

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lps::store
