#include <lps/core/error.h>
#include <lps/runner/slurm_script.h>
#include <lps/store/store_url.h>

#include <fmt/format.h>

#include <charconv>
#include <limits>

namespace lps::runner {
namespace {

using namespace std::string_literals;

constexpr int kMaxTasks = 100000;
constexpr int kMaxGpusPerTask = 64;
constexpr int kMaxRunsPerGpu = 64;
constexpr int kMaxCpusPerTask = 4096;
constexpr int kMaxSignalLeadS = 65535;                        // sbatch's largest sig_time
constexpr int kMinSignalLeadS = kWorkerStopDeadlineS + 5;     // the worker needs its 25 s
constexpr int kSignalResolutionS = 60;                        // SLURM may signal up to 60 s early
constexpr size_t kMaxNameLength = 128;

[[nodiscard]] bool has_newline(std::string_view s) { return s.find_first_of("\n\r") != std::string_view::npos; }

// Characters SLURM accepts in partition, account, QOS, GRES type and node-list names that need no quoting.
[[nodiscard]] bool is_slurm_name(std::string_view s, std::string_view extra) {
  if (s.empty() || s.size() > kMaxNameLength) return false;
  for (const char c : s) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                       c == '-' || c == '.';
    if (!plain && extra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

[[nodiscard]] std::optional<int64_t> parse_count(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

// "lps-<name>" with every character SLURM job names and file names dislike replaced by '-'.
[[nodiscard]] std::string default_job_name(std::string_view sweep_name) {
  std::string name = "lps-";
  for (const char c : sweep_name.substr(0, kMaxNameLength - 4)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.' || c == '+';
    name += ok ? c : '-';
  }
  return name;
}

void check_absolute_path(std::vector<std::string>& problems, const char* what, std::string_view path) {
  if (path.empty()) {
    problems.push_back(fmt::format("{} is empty", what));
  } else if (path.front() != '/') {
    problems.push_back(fmt::format("{} '{}' must be an absolute path (compute nodes start elsewhere)", what, path));
  } else if (has_newline(path)) {
    problems.push_back(fmt::format("{} contains a line break; a #SBATCH line cannot hold it: rename the folder", what));
  }
}

void check_name(std::vector<std::string>& problems, const char* option, const std::string& value,
                std::string_view extra, const char* example) {
  if (value.empty() || is_slurm_name(value, extra)) return;
  problems.push_back(fmt::format("{} '{}': use letters, digits and _ - .{} (at most {} characters), e.g. {}", option,
                                 value, extra.empty() ? "" : fmt::format(" {}", extra), kMaxNameLength, example));
}

}  // namespace

std::string bash_quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string sbatch_quote(std::string_view text, bool file_pattern) {
  LPS_CHECK(!has_newline(text), "a #SBATCH value cannot hold a line break");
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '%' && file_pattern) out += '%';
    out += c;
  }
  return out + "\"";
}

std::optional<int64_t> parse_slurm_time_s(std::string_view text) {
  if (text == "UNLIMITED" || text == "unlimited" || text == "INFINITE" || text == "infinite") {
    return std::numeric_limits<int64_t>::max();
  }
  int64_t days = 0;
  bool has_days = false;
  if (const size_t dash = text.find('-'); dash != std::string_view::npos) {
    const auto d = parse_count(text.substr(0, dash));
    if (!d) return std::nullopt;
    days = *d;
    has_days = true;
    text = text.substr(dash + 1);
  }
  std::vector<int64_t> fields;
  size_t start = 0;
  while (true) {
    const size_t colon = text.find(':', start);
    const auto v = parse_count(text.substr(start, colon == std::string_view::npos ? text.npos : colon - start));
    if (!v) return std::nullopt;
    fields.push_back(*v);
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (fields.size() > 3) return std::nullopt;
  int64_t seconds = 0;
  if (has_days) {  // D-H, D-H:M, D-H:M:S
    const int64_t h = fields[0], m = fields.size() > 1 ? fields[1] : 0, s = fields.size() > 2 ? fields[2] : 0;
    seconds = ((days * 24 + h) * 60 + m) * 60 + s;
  } else if (fields.size() == 1) {  // M
    seconds = fields[0] * 60;
  } else if (fields.size() == 2) {  // M:S
    seconds = fields[0] * 60 + fields[1];
  } else {  // H:M:S
    seconds = (fields[0] * 60 + fields[1]) * 60 + fields[2];
  }
  return seconds;
}

std::string slurm_store_warning(std::string_view store, bool pinned_to_nodes, int tasks) {
  if (store::is_postgres_url(store)) return {};
  if (pinned_to_nodes) {
    return fmt::format(
        "the store '{}' is a SQLite file, which serves the workers of one machine only; --nodelist pins the tasks, "
        "so make sure it names exactly one node (and that the store's folder is on that node's local disk). "
        "For several nodes use a PostgreSQL store: store: postgresql://USER@HOST/DB in the sweep file.",
        store::redact_store_url(store));
  }
  return fmt::format(
      "the store '{}' is a SQLite file, which serves the workers of one machine only, but SLURM may start the {} "
      "with any node{}. lpsweep refuses SQLite files on network filesystems (NFS, Lustre, GPFS, BeeGFS, ...: their "
      "locks are unreliable), so a task on another node either fails to open the store or, with a node-local "
      "path, fills a store of its own that the others never see. Use a PostgreSQL store every node reaches "
      "(store: postgresql://USER@HOST/DB in the sweep file), or pin every task to the store's machine with "
      "--nodelist NODE.",
      store::redact_store_url(store), tasks == 1 ? "task (and each requeue of it)" : fmt::format("{} array tasks", tasks),
      tasks == 1 ? "" : "s");
}

std::vector<std::string> SlurmScriptOptions::validate() const {
  std::vector<std::string> problems;
  check_absolute_path(problems, "the lpsweep executable", lpsweep);
  check_absolute_path(problems, "the sweep file", sweep_file);
  check_absolute_path(problems, "--log-dir", log_dir);
  if (log_dir.find('\\') != std::string::npos) {
    problems.push_back(fmt::format("--log-dir '{}' contains a backslash, which makes SLURM ignore %A/%a in log "
                                   "names (every task would write one file); choose another folder",
                                   log_dir));
  }
  if (has_newline(sweep_name) || has_newline(store)) problems.emplace_back("the sweep name or store contains a line break");
  if (tasks < 1 || tasks > kMaxTasks) {
    problems.push_back(fmt::format("--tasks {}: must be between 1 and {}", tasks, kMaxTasks));
  }
  if (max_concurrent < 0) problems.push_back(fmt::format("--max-concurrent {}: must be ≥ 0 (0 = no limit)", max_concurrent));
  if (gpus_per_task < 0 || gpus_per_task > kMaxGpusPerTask) {
    problems.push_back(fmt::format("--gpus-per-task {}: must be between 0 and {}", gpus_per_task, kMaxGpusPerTask));
  }
  if (!gpu_type.empty() && gpus_per_task == 0) {
    problems.push_back(fmt::format("--gpu-type '{}' needs --gpus-per-task K", gpu_type));
  }
  check_name(problems, "--gpu-type", gpu_type, "", "h100");
  if (runs_per_gpu < 1 || runs_per_gpu > kMaxRunsPerGpu) {
    problems.push_back(fmt::format("--runs-per-gpu {}: must be between 1 and {}", runs_per_gpu, kMaxRunsPerGpu));
  }
  if (cpus_per_task < 0 || cpus_per_task > kMaxCpusPerTask) {
    problems.push_back(fmt::format("--cpus-per-task {}: must be between 0 and {} (0 = the cluster's default)",
                                   cpus_per_task, kMaxCpusPerTask));
  }
  if (signal_lead_s < kMinSignalLeadS || signal_lead_s > kMaxSignalLeadS) {
    problems.push_back(fmt::format("--signal-lead {}: must be between {} and {} seconds (a worker needs up to {} s "
                                   "to checkpoint and exit)",
                                   signal_lead_s, kMinSignalLeadS, kMaxSignalLeadS, kWorkerStopDeadlineS));
  }
  if (!time.empty()) {
    const auto seconds = parse_slurm_time_s(time);
    if (!seconds) {
      problems.push_back(fmt::format("--time '{}': use SLURM's format: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or "
                                     "D-HH:MM:SS (e.g. 04:00:00 or 2-00:00:00)",
                                     time));
    } else if (*seconds <= signal_lead_s + kSignalResolutionS) {
      problems.push_back(fmt::format("--time '{}' ({} s) leaves no room for the warning signal {} s before the end "
                                     "(SLURM may send it up to {} s earlier): give more time or a smaller "
                                     "--signal-lead",
                                     time, *seconds, signal_lead_s, kSignalResolutionS));
    }
  }
  check_name(problems, "--partition", partition, ",", "gpu or gpu,gpu-long");
  check_name(problems, "--account", account, "", "my-project");
  check_name(problems, "--qos", qos, "", "normal");
  check_name(problems, "--nodelist", nodelist, ",[]", "node07 or node[01-04]");
  if (!mem.empty()) {
    const size_t digits = mem.find_first_not_of("0123456789");
    const bool ok = digits != 0 && (digits == std::string::npos ||
                                    (digits == mem.size() - 1 && std::string_view("KMGTkmgt").find(mem.back()) !=
                                                                     std::string_view::npos));
    if (!ok) problems.push_back(fmt::format("--mem '{}': use a number with an optional K, M, G or T suffix, e.g. 64G", mem));
  }
  if (!job_name.empty() && !is_slurm_name(job_name, "+")) {
    problems.push_back(fmt::format("--job-name '{}': use letters, digits and _ - . + (it names the log files too)",
                                   job_name));
  }
  if (!(lease_s >= 0)) problems.push_back(fmt::format("--lease {}: must be ≥ 0 (0 = the worker's default)", lease_s));
  for (const auto& d : extra_directives) {
    if (has_newline(d) || d.empty() || d.front() != '-') {
      problems.push_back(fmt::format("--sbatch '{}': give one sbatch option on one line, starting with -, e.g. "
                                     "--exclusive or --constraint=a100",
                                     d));
    }
  }
  for (const auto& line : setup_lines) {
    if (has_newline(line)) problems.push_back(fmt::format("--setup '{}': give one shell line per --setup", line));
  }
  return problems;
}

std::string slurm_script(const SlurmScriptOptions& o) {
  if (const auto problems = o.validate(); !problems.empty()) {
    std::string text = "cannot write the SLURM script:";
    for (const auto& p : problems) text += "\n  " + p;
    throw Error(ErrorKind::kUserInput, text);
  }
  const std::string job = o.job_name.empty() ? default_job_name(o.sweep_name) : o.job_name;
  const std::string log_pattern = (o.log_dir.back() == '/' ? o.log_dir : o.log_dir + "/") + job;
  std::string s;
  auto line = [&s](const std::string& text) { s += text + "\n"; };
  auto directive = [&s](const std::string& text) { s += "#SBATCH " + text + "\n"; };

  line("#!/bin/bash");
  line(fmt::format("# SLURM job array for the lpsweep sweep '{}', written by `lpsweep slurm`.", o.sweep_name));
  line(o.script_path.empty() ? "# Inspect it, then submit it with: sbatch THIS_FILE"
                             : fmt::format("# Inspect it, then submit it with: sbatch {}", bash_quote(o.script_path)));
  line("#");
  line(fmt::format("# One array task = one lpsweep worker ({} task{}{}).", o.tasks, o.tasks == 1 ? "" : "s",
                   o.gpus_per_task > 0 ? fmt::format(", {} GPU{} each", o.gpus_per_task, o.gpus_per_task == 1 ? "" : "s")
                                       : ", CPU only"));
  line(o.submit_in_job ? "# Every task submits the sweep (idempotent: only new runs are added), then claims and"
                       : "# Submit the sweep first (lpsweep submit). Every task claims and");
  line("# trains runs until the sweep's queue has nothing queued or running. SLURM sends SIGUSR1 to");
  line(fmt::format("# this shell {} s before the time limit; the shell passes it to the worker, which", o.signal_lead_s));
  line("# checkpoints its run, returns it to the queue and exits 0"s +
       (o.requeue_on_signal ? ", and the task requeues itself to resume" : "; the task then ends (no requeue)."));
  if (o.requeue_on_signal) line("# from that checkpoint.");
  line("# scancel and preemption (SIGTERM) stop the worker the same way, without a requeue.");
  line("# Logs: one file per array task, appended to across requeues.");
  line(fmt::format("# Store: {}", store::redact_store_url(o.store)));
  if (!store::is_postgres_url(o.store)) {
    line(o.nodelist.empty() ? "# WARNING: a SQLite store serves one machine only; use postgresql:// or --nodelist "
                              "(docs/slurm.md)."
                            : "# NOTE: a SQLite store serves one machine only: --nodelist must name one node.");
  }
  directive("--job-name=" + job);
  directive(o.max_concurrent > 0 ? fmt::format("--array=0-{}%{}", o.tasks - 1, o.max_concurrent)
                                 : fmt::format("--array=0-{}", o.tasks - 1));
  directive("--ntasks=1");
  if (o.cpus_per_task > 0) directive(fmt::format("--cpus-per-task={}", o.cpus_per_task));
  if (o.gpus_per_task > 0) {
    directive(o.gpu_type.empty() ? fmt::format("--gres=gpu:{}", o.gpus_per_task)
                                 : fmt::format("--gres=gpu:{}:{}", o.gpu_type, o.gpus_per_task));
  }
  if (!o.mem.empty()) directive("--mem=" + o.mem);
  if (!o.time.empty()) directive("--time=" + o.time);
  if (!o.partition.empty()) directive("--partition=" + o.partition);
  if (!o.account.empty()) directive("--account=" + o.account);
  if (!o.qos.empty()) directive("--qos=" + o.qos);
  if (!o.nodelist.empty()) directive("--nodelist=" + o.nodelist);
  directive("--requeue");
  directive(fmt::format("--signal=B:USR1@{}", o.signal_lead_s));
  directive("--open-mode=append");
  std::string output = sbatch_quote(log_pattern, /*file_pattern=*/true);  // the literal part, % doubled
  output.insert(output.size() - 1, "-%A_%a.log");                          // SLURM's array job and task ids
  directive("--output=" + output);
  for (const auto& d : o.extra_directives) directive(d);
  line("");
  line("set -u");
  line("lpsweep=" + bash_quote(o.lpsweep));
  line("sweep=" + bash_quote(o.sweep_file));
  for (const auto& setup : o.setup_lines) line(setup);
  line("export OMP_NUM_THREADS=\"${OMP_NUM_THREADS:-${SLURM_CPUS_PER_TASK:-1}}\"");
  line("task=\"${SLURM_ARRAY_JOB_ID:-?}_${SLURM_ARRAY_TASK_ID:-?}\"");
  line("echo \"lpsweep: array task $task (job ${SLURM_JOB_ID:-?}, restart ${SLURM_RESTART_COUNT:-0}) on "
       "$(hostname) at $(date -u +%Y-%m-%dT%H:%M:%SZ)\"");
  line("");
  line("# --signal=B:USR1 reaches only this shell, and bash runs a trap only between commands, so the worker runs");
  line("# in the background while this shell waits; the traps pass signals on. `wait` returns early (status > 128)");
  line("# when a trapped signal arrives; then the loop waits again for the worker's own exit status.");
  line("worker_pid=");
  line("signalled=");
  line("requeue=");
  line(fmt::format("trap 'signalled=USR1; {}[ -z \"$worker_pid\" ] || kill -USR1 \"$worker_pid\" 2>/dev/null' USR1",
                   o.requeue_on_signal ? "requeue=1; " : ""));
  line("trap 'signalled=TERM; [ -z \"$worker_pid\" ] || kill -TERM \"$worker_pid\" 2>/dev/null' TERM INT");
  line("");
  if (o.submit_in_job) {
    line("# Queue the sweep's runs. Idempotent and safe when many tasks start at once; an edited sweep adds its new");
    line("# runs only. Every task does it so that none finds an empty queue before the first has submitted.");
    line("\"$lpsweep\" submit \"$sweep\" || exit $?");
    line("");
  }
  std::string worker = "\"$lpsweep\" worker \"$sweep\"";
  if (o.lease_s > 0) worker += fmt::format(" --lease {}", o.lease_s);
  if (o.gpus_per_task > 0) worker += " --gpus all";  // SLURM sets CUDA_VISIBLE_DEVICES to the task's GPUs
  if (o.runs_per_gpu > 1) worker += fmt::format(" --runs-per-gpu {}", o.runs_per_gpu);
  line("status=0");
  line("if [ -n \"$signalled\" ]; then");
  line("  echo \"lpsweep: SIG$signalled arrived before the worker started; not starting it\"");
  line("else");
  line("  " + worker + " &");
  line("  worker_pid=$!");
  line("  [ -z \"$signalled\" ] || kill -\"$signalled\" \"$worker_pid\" 2>/dev/null  # arrived before worker_pid was set");
  line("  while :; do");
  line("    signalled=");
  line("    wait \"$worker_pid\"");
  line("    status=$?");
  line("    [ -z \"$signalled\" ] && break");
  line("  done");
  line("fi");
  line("echo \"lpsweep: worker exited with status $status at $(date -u +%Y-%m-%dT%H:%M:%SZ)\"");
  if (o.requeue_on_signal) {
    line("if [ -n \"$requeue\" ] && [ \"$status\" -eq 0 ]; then");
    line("  # SIGUSR1: the time limit is near. The worker returned its run to the queue; requeue this task so it");
    line("  # continues (SLURM keeps the job id and appends to the same log).");
    line("  echo \"lpsweep: requeueing array task $task to continue the sweep\"");
    line("  scontrol requeue \"$SLURM_JOB_ID\" || echo \"lpsweep: scontrol requeue failed; submit this script again "
         "to continue\" >&2");
    line("fi");
  }
  line("exit \"$status\"");
  return s;
}

}  // namespace lps::runner
