// SLURM job-array scripts for a sweep (`lpsweep slurm`, docs/slurm.md): one array task = one lpsweep worker.
//
// slurm_script() returns a bash script with #SBATCH directives that users inspect and submit with sbatch:
//   --array=0-(tasks-1)[%max_concurrent], --ntasks=1, --gres=gpu[:type]:K, --cpus-per-task, --time,
//   --partition, --account, --qos, --mem, --nodelist, --requeue, --signal=B:USR1@<signal_lead_s>,
//   --open-mode=append and one log file per array task (--output=<log_dir>/<job>-%A_%a.log; a requeued task
//   appends to its own file).
// Each task runs `lpsweep submit SWEEP` (idempotent; skipped with submit_in_job = false) and then
// `lpsweep worker SWEEP` in the background while the shell waits: `--signal=B:USR1` reaches only the batch
// shell, and bash runs traps only between commands, so a foreground worker would see the signal after it
// exited. The USR1 trap passes the signal to the worker (checkpoint, release the run, exit 0) and then
// requeues the task (`scontrol requeue $SLURM_JOB_ID`) so it resumes after the time limit; SIGTERM (scancel,
// preemption) is passed on without requeueing.
//
// Every value is validated up front (validate() lists all problems); paths are quoted for both #SBATCH
// lines (sbatch's own quoting: "...", backslash escapes, %% for a literal % in file patterns) and bash
// (single quotes). Paths with a newline cannot be written into a #SBATCH line and are refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lps::runner {

// How many seconds before the time limit SLURM warns the job by default (sbatch's signal resolution is
// 60 s, so the signal comes between signal_lead_s and signal_lead_s + 60 s before the end).
inline constexpr int kDefaultSlurmSignalLeadS = 120;
// A worker exits within this many seconds of SIGUSR1/SIGTERM; signal_lead_s must leave room for it.
inline constexpr int kWorkerStopDeadlineS = 25;

struct SlurmScriptOptions {
  std::string lpsweep;                   // absolute path of the lpsweep executable the tasks run
  std::string sweep_file;                // absolute path of the sweep file
  std::string sweep_name;                // names the job and the logs
  std::string store;                     // the sweep's store (path or URL): header comment and warning
  std::string log_dir;                   // absolute folder for the per-task logs (must exist before sbatch)
  std::string script_path;               // where the script will be written ("" = stdout): header comment
  int tasks = 1;                         // array tasks = workers; 1 ≤ tasks ≤ 100000
  int max_concurrent = 0;                // at most this many tasks at once (--array=...%M); 0 = no limit
  int gpus_per_task = 0;                 // GPUs per task (--gres=gpu:K); each runs one worker process
  std::string gpu_type;                  // GRES type, e.g. "h100" (--gres=gpu:h100:K); "" = any
  int runs_per_gpu = 1;                  // worker processes per GPU (or CPU worker processes without GPUs)
  int cpus_per_task = 0;                 // --cpus-per-task; 0 = the cluster's default
  std::string time;                      // --time in SLURM's format (MM, HH:MM:SS, D-HH, ...); "" = default
  std::string partition;                 // --partition (a comma list allowed); "" = default
  std::string account;                   // --account; "" = default
  std::string qos;                       // --qos; "" = default
  std::string mem;                       // --mem, e.g. 64G; "" = default
  std::string nodelist;                  // --nodelist: pins every task to these nodes (SQLite stores)
  std::string job_name;                  // --job-name; "" = "lps-<sweep name>" (sanitised)
  int signal_lead_s = kDefaultSlurmSignalLeadS;  // --signal=B:USR1@<this>
  double lease_s = 0;                    // worker --lease; 0 = the worker's default
  bool submit_in_job = true;             // each task first runs `lpsweep submit` (idempotent)
  bool requeue_on_signal = true;         // after SIGUSR1 the task requeues itself (scontrol requeue)
  std::vector<std::string> extra_directives;  // more "#SBATCH <text>" lines, e.g. "--exclusive"
  std::vector<std::string> setup_lines;       // shell lines run before lpsweep (module load, venv activate)

  // Every problem with these options, each naming the option and what to do; empty when valid.
  [[nodiscard]] std::vector<std::string> validate() const;
};

// The script. Throws lps::Error(kUserInput) listing every problem of validate().
[[nodiscard]] std::string slurm_script(const SlurmScriptOptions& options);

// Why a SQLite store needs care under SLURM (one machine only) and what to do; "" for a PostgreSQL store,
// which every node reaches (store::is_postgres_url). The script and the warning never show a password
// (store::redact_store_url).
[[nodiscard]] std::string slurm_store_warning(std::string_view store, bool pinned_to_nodes, int tasks);

// SLURM's time formats: "M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S" → seconds; "UNLIMITED" or
// "INFINITE" → INT64_MAX; nullopt for anything else.
[[nodiscard]] std::optional<int64_t> parse_slurm_time_s(std::string_view text);

// 'text' for bash, with embedded single quotes as '\''.
[[nodiscard]] std::string bash_quote(std::string_view text);
// "text" for a #SBATCH line: sbatch's parser takes double quotes and backslash escapes. `file_pattern`
// also doubles % (sbatch expands %j, %A, ... in --output). LPS_CHECKs that text has no newline.
[[nodiscard]] std::string sbatch_quote(std::string_view text, bool file_pattern);

}  // namespace lps::runner
