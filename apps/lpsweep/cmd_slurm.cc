// `lpsweep slurm SWEEP`: writes an sbatch job-array script (one array task = one worker) for users to inspect
// and submit; docs/slurm.md. The script text comes from lps::runner::slurm_script(); this file only resolves
// the sweep, the defaults (task count, file and log locations) and writes the file.
#include "commands.h"

#include <lps/config/load_sweep.h>
#include <lps/core/error.h>
#include <lps/core/log.h>
#include <lps/plan/submission_plan.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#ifdef LPS_HAVE_TORCH
#include <lps/runner/slurm_script.h>
#endif

namespace lps::cli {
namespace {

constexpr int kDefaultMaxTasks = 1000;  // SLURM's default MaxArraySize is 1001 (indices 0..1000)

namespace fs = std::filesystem;

struct SlurmFlags {
  std::string file;
  std::string out;      // -o: "" = <output>/slurm/<name>.sbatch, "-" = stdout
  std::string log_dir;  // "" = <output>/slurm/logs
  std::string lpsweep;  // "" = this executable
  int tasks = 0;        // 0 = one per run (divided by the workers per task), at most kDefaultMaxTasks
  bool no_submit = false;
  bool no_requeue = false;
#ifdef LPS_HAVE_TORCH
  runner::SlurmScriptOptions script;
#endif
};

#ifdef LPS_HAVE_TORCH
void write_script(const SlurmFlags& flags) {
  config::LoadOptions load;
  load.check_data_paths = false;  // the compute nodes read the data; the login node may not see it
  const auto spec = config::load_sweep_file(flags.file, load);
  const size_t runs = plan::plan_sweep(spec).size();

  runner::SlurmScriptOptions o = flags.script;
  o.lpsweep = flags.lpsweep.empty() ? fs::read_symlink("/proc/self/exe").string() : fs::absolute(flags.lpsweep).string();
  o.sweep_file = fs::absolute(spec.file).lexically_normal().string();
  o.sweep_name = spec.name;
  o.store = spec.store;
  o.submit_in_job = !flags.no_submit;
  o.requeue_on_signal = !flags.no_requeue;
  const fs::path slurm_dir = fs::path(spec.output) / "slurm";
  o.log_dir = (flags.log_dir.empty() ? slurm_dir / "logs" : fs::absolute(flags.log_dir)).lexically_normal().string();
  const bool to_stdout = flags.out == "-";
  const fs::path script_path =
      to_stdout ? fs::path() : (flags.out.empty() ? slurm_dir / (spec.name + ".sbatch") : fs::absolute(flags.out));
  o.script_path = script_path.string();
  const int workers_per_task = std::max(1, o.gpus_per_task) * std::max(1, o.runs_per_gpu);
  if (flags.tasks > 0) {
    o.tasks = flags.tasks;
  } else {
    o.tasks = static_cast<int>(std::clamp<size_t>((runs + workers_per_task - 1) / workers_per_task, 1, kDefaultMaxTasks));
  }
  const std::string script = runner::slurm_script(o);  // validates every option first

  if (const std::string warning = runner::slurm_store_warning(o.store, !o.nodelist.empty(), o.tasks); !warning.empty()) {
    log_warn("{}", warning);
  }
  std::error_code ec;
  fs::create_directories(o.log_dir, ec);  // sbatch does not create it: a missing folder loses the task's output
  if (ec) throw IoError(fmt::format("cannot create the log folder {}: {}", o.log_dir, ec.message()));
  if (to_stdout) {
    std::fwrite(script.data(), 1, script.size(), stdout);
    std::fflush(stdout);
  } else {
    if (script_path.has_parent_path()) fs::create_directories(script_path.parent_path(), ec);
    const fs::path tmp = script_path.string() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << script;
      out.close();
      if (!out) throw IoError(fmt::format("cannot write {}", tmp.string()));
    }
    fs::permissions(tmp, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
    fs::rename(tmp, script_path);
    fmt::print("wrote {}: {} array task{} ({} run{} in sweep {}), {}\n", script_path.string(), o.tasks,
               o.tasks == 1 ? "" : "s", runs, runs == 1 ? "" : "s", spec.name,
               o.gpus_per_task > 0 ? fmt::format("{} GPU{} per task", o.gpus_per_task, o.gpus_per_task == 1 ? "" : "s")
                                   : "CPU only");
    fmt::print("  logs: {}/{}-<array job>_<task>.log\n", o.log_dir,
               o.job_name.empty() ? "lps-" + spec.name : o.job_name);
    fmt::print("  inspect it, then submit: sbatch {}\n", runner::bash_quote(script_path.string()));
  }
}
#endif

}  // namespace

void add_slurm_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("slurm", "Write an sbatch job-array script for a sweep (one array task = one worker)");
  auto flags = std::make_shared<SlurmFlags>();
  cmd->add_option("SWEEP", flags->file, "Sweep file (YAML)")->required();
  cmd->add_option("-o,--output", flags->out,
                  "Script file (default <output>/slurm/<sweep name>.sbatch; - prints it to stdout)");
  cmd->add_option("--tasks", flags->tasks, "Array tasks = workers (default: one per run, at most 1000)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--log-dir", flags->log_dir, "Folder for the per-task logs (default <output>/slurm/logs)");
  cmd->add_option("--lpsweep", flags->lpsweep, "lpsweep executable the tasks run (default: this one)");
  cmd->add_flag("--no-submit", flags->no_submit,
                "Tasks do not run `lpsweep submit` first (submit the sweep yourself before sbatch)");
  cmd->add_flag("--no-requeue", flags->no_requeue,
                "After SLURM's time-limit warning the task ends instead of requeueing itself");
#ifdef LPS_HAVE_TORCH
  auto& s = flags->script;
  cmd->add_option("--gpus-per-task", s.gpus_per_task, "GPUs per array task, one worker process each (--gres=gpu:K)");
  cmd->add_option("--gpu-type", s.gpu_type, "GRES GPU type, e.g. h100 (--gres=gpu:TYPE:K)");
  cmd->add_option("--runs-per-gpu", s.runs_per_gpu, "Worker processes per GPU (or CPU worker processes)");
  cmd->add_option("--cpus-per-task", s.cpus_per_task, "CPUs per array task (default: the cluster's)");
  cmd->add_option("--time", s.time, "Time limit per task: MM, HH:MM:SS, D-HH:MM:SS, ... (default: the partition's)");
  cmd->add_option("--partition,-p", s.partition, "Partition(s)");
  cmd->add_option("--account,-A", s.account, "Account to charge");
  cmd->add_option("--qos", s.qos, "Quality of service");
  cmd->add_option("--mem", s.mem, "Memory per task, e.g. 64G");
  cmd->add_option("--nodelist", s.nodelist, "Run every task on these nodes (needed for a SQLite store: one node)");
  cmd->add_option("--job-name", s.job_name, "Job name (default lps-<sweep name>); also names the logs");
  cmd->add_option("--max-concurrent", s.max_concurrent, "At most this many tasks at once (--array=...%M)");
  cmd->add_option("--signal-lead", s.signal_lead_s,
                  "Seconds before the time limit that SLURM sends SIGUSR1 (default 120; the worker needs ≤ 25 s)");
  cmd->add_option("--lease", s.lease_s, "Worker lease in seconds (default: the worker's 60 s)");
  cmd->add_option("--sbatch", s.extra_directives, "One more sbatch option for the script, e.g. --exclusive (repeatable)");
  cmd->add_option("--setup", s.setup_lines,
                  "A shell line run before lpsweep, e.g. 'module load cuda' (repeatable, in order)");
#endif
  cmd->callback([flags] {
#ifdef LPS_HAVE_TORCH
    write_script(*flags);
#else
    throw Error(ErrorKind::kUserInput, "lpsweep slurm needs the worker (LibTorch); this lpsweep was built with "
                                       "-DLPS_WITH_TORCH=OFF");
#endif
  });
}

}  // namespace lps::cli
