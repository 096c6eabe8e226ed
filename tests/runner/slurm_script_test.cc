// The sbatch job-array script of `lpsweep slurm`: every directive, quoting of awkward paths (checked by
// bash itself and by a parser that follows sbatch's rules), refusal of bad options, the store warning, and
// the script's signal handling run by bash with a fake lpsweep and a fake scontrol.
#include "runner_test_support.h"
#include "test_support.h"

#include <lps/core/error.h>
#include <lps/runner/slurm_script.h>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

namespace lps::runner {
namespace {

SlurmScriptOptions basic_options() {
  SlurmScriptOptions o;
  o.lpsweep = "/opt/lps/bin/lpsweep";
  o.sweep_file = "/home/me/sweeps/q.yaml";
  o.sweep_name = "quick";
  o.store = "postgresql://me@db.example/lps";
  o.log_dir = "/home/me/runs/q/slurm/logs";
  o.tasks = 4;
  return o;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::vector<std::string> directives(const std::string& script) {
  std::vector<std::string> out;
  for (const auto& line : lines_of(script)) {
    if (line.rfind("#SBATCH ", 0) == 0) out.push_back(line.substr(8));
  }
  return out;
}

bool has_line(const std::string& script, const std::string& wanted) {
  for (const auto& line : lines_of(script)) {
    if (line == wanted) return true;
  }
  return false;
}

// sbatch's reading of a #SBATCH argument (src/sbatch/opt.c, _get_argument): "..." or '...' quote, a backslash
// escapes the next character, an unquoted # starts a comment, whitespace ends the argument.
std::string sbatch_argument(const std::string& line) {
  std::string out;
  bool quoted = false, escaped = false;
  char q = '\0';
  for (const char c : line) {
    if (escaped) {
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
      continue;
    } else if (quoted) {
      if (c == q) {
        quoted = false;
        continue;
      }
    } else if (c == '"' || c == '\'') {
      quoted = true;
      q = c;
      continue;
    } else if (c == '#' || c == ' ' || c == '\t') {
      break;
    }
    out += c;
  }
  return out;
}

// SLURM's file-pattern expansion for what we use: %% -> %, %A / %a -> the given ids.
std::string expand_pattern(const std::string& pattern, const std::string& array_job, const std::string& task) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size()) {
      const char c = pattern[++i];
      out += c == '%' ? "%" : c == 'A' ? array_job : c == 'a' ? task : std::string("%") + c;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

TEST(SlurmScript, WritesEveryDirectiveThatItsOptionsAskFor) {
  auto o = basic_options();
  o.tasks = 12;
  o.max_concurrent = 3;
  o.gpus_per_task = 2;
  o.gpu_type = "h100";
  o.runs_per_gpu = 2;
  o.cpus_per_task = 16;
  o.time = "1-12:00:00";
  o.partition = "gpu,gpu-long";
  o.account = "proj_17";
  o.qos = "high";
  o.mem = "128G";
  o.nodelist = "node[01-04]";
  o.job_name = "my.sweep";
  o.signal_lead_s = 300;
  o.lease_s = 90;
  o.extra_directives = {"--exclusive", "--constraint=nvlink"};
  const std::string script = slurm_script(o);
  const std::vector<std::string> expected = {
      "--job-name=my.sweep", "--array=0-11%3", "--ntasks=1", "--cpus-per-task=16", "--gres=gpu:h100:2",
      "--mem=128G", "--time=1-12:00:00", "--partition=gpu,gpu-long", "--account=proj_17", "--qos=high",
      "--nodelist=node[01-04]", "--requeue", "--signal=B:USR1@300", "--open-mode=append",
      "--output=\"/home/me/runs/q/slurm/logs/my.sweep-%A_%a.log\"", "--exclusive", "--constraint=nvlink"};
  EXPECT_EQ(directives(script), expected) << script;
  EXPECT_EQ(script.rfind("#!/bin/bash\n", 0), 0u);
  EXPECT_TRUE(has_line(script, "\"$lpsweep\" submit \"$sweep\" || exit $?")) << script;
  EXPECT_TRUE(has_line(script, "  \"$lpsweep\" worker \"$sweep\" --lease 90 --gpus all --runs-per-gpu 2 &")) << script;
  EXPECT_TRUE(has_line(script, "lpsweep='/opt/lps/bin/lpsweep'")) << script;
  EXPECT_TRUE(has_line(script, "sweep='/home/me/sweeps/q.yaml'")) << script;
  EXPECT_NE(script.find("scontrol requeue \"$SLURM_JOB_ID\""), std::string::npos);
}

TEST(SlurmScript, DefaultsLeaveTheClustersOwnSettingsAlone) {
  auto o = basic_options();
  o.tasks = 1;
  o.sweep_name = "my sweep/v2";
  const std::string script = slurm_script(o);
  const std::vector<std::string> expected = {
      "--job-name=lps-my-sweep-v2", "--array=0-0", "--ntasks=1", "--requeue", "--signal=B:USR1@120",
      "--open-mode=append", "--output=\"/home/me/runs/q/slurm/logs/lps-my-sweep-v2-%A_%a.log\""};
  EXPECT_EQ(directives(script), expected) << script;
  EXPECT_TRUE(has_line(script, "  \"$lpsweep\" worker \"$sweep\" &")) << script;
  EXPECT_EQ(script.find("WARNING"), std::string::npos) << "a PostgreSQL store needs no warning";
}

TEST(SlurmScript, DirectivesComeBeforeTheFirstCommandSoSbatchReadsThemAll) {
  auto o = basic_options();
  o.setup_lines = {"module load cuda/12", "source '/home/me/venv/bin/activate'"};
  const auto lines = lines_of(slurm_script(o));
  size_t last_directive = 0, first_command = lines.size();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("#SBATCH", 0) == 0) last_directive = i;
    if (first_command == lines.size() && !lines[i].empty() && lines[i][0] != '#') first_command = i;
  }
  EXPECT_LT(last_directive, first_command);
  EXPECT_EQ(lines[first_command], "set -u");
  // Setup lines come verbatim, after the variables and before lpsweep runs.
  const std::string script = slurm_script(o);
  EXPECT_LT(script.find("sweep='"), script.find("module load cuda/12\n"));
  EXPECT_LT(script.find("source '/home/me/venv/bin/activate'\n"), script.find("\"$lpsweep\" submit"));
}

TEST(SlurmScript, NoSubmitAndNoRequeueLeaveThoseStepsOut) {
  auto o = basic_options();
  o.submit_in_job = false;
  o.requeue_on_signal = false;
  const std::string script = slurm_script(o);
  EXPECT_EQ(script.find("\" submit \""), std::string::npos) << script;
  EXPECT_EQ(script.find("scontrol requeue"), std::string::npos) << script;
  EXPECT_TRUE(has_line(script, "#SBATCH --requeue")) << "SLURM may still requeue it (node failure, preemption)";
}

TEST(SlurmScript, PathsWithSpacesQuotesAndPercentSurviveBashAndSbatch) {
  test::TempDir dir;
  const std::string awkward = dir.path().string() + "/it's a \"100%\" #dir";
  auto o = basic_options();
  o.lpsweep = awkward + "/lpsweep";
  o.sweep_file = awkward + "/sweep $HOME `x`.yaml";
  o.log_dir = awkward + "/logs";
  const std::string script = slurm_script(o);
  // bash: evaluate the two assignments and print the values back.
  const std::string probe = dir.file("probe.sh");
  {
    std::ofstream out(probe);
    for (const auto& line : lines_of(script)) {
      if (line.rfind("lpsweep=", 0) == 0 || line.rfind("sweep=", 0) == 0) out << line << "\n";
    }
    out << "printf '%s\\n' \"$lpsweep\" \"$sweep\"\n";
  }
  const auto r = lps::test::run_command("bash '" + probe + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, o.lpsweep + "\n" + o.sweep_file + "\n");
  // sbatch: the --output argument read as sbatch reads it, then expanded as SLURM expands file patterns.
  std::string output_line;
  for (const auto& d : directives(script)) {
    if (d.rfind("--output=", 0) == 0) output_line = d;
  }
  const std::string argument = sbatch_argument(output_line);
  ASSERT_EQ(argument.rfind("--output=", 0), 0u) << output_line;
  EXPECT_EQ(expand_pattern(argument.substr(9), "77", "3"), awkward + "/logs/lps-quick-77_3.log") << output_line;
  // The whole script is valid bash.
  const std::string whole = dir.file("whole.sh");
  std::ofstream(whole) << script;
  const auto syntax = lps::test::run_command("bash -n '" + whole + "'");
  EXPECT_EQ(syntax.exit_code, 0) << syntax.output;
}

TEST(SlurmScript, BadOptionsAreRefusedTogetherEachSayingWhatToDo) {
  SlurmScriptOptions o;
  o.lpsweep = "bin/lpsweep";
  o.sweep_file = "/a/s.yaml";
  o.log_dir = "/logs\\x";
  o.tasks = 0;
  o.max_concurrent = -1;
  o.gpus_per_task = -1;
  o.gpu_type = "h 100";
  o.runs_per_gpu = 0;
  o.cpus_per_task = -2;
  o.time = "4 hours";
  o.partition = "gpu;rm -rf /";
  o.account = "a b";
  o.qos = "q\"";
  o.mem = "64GB";
  o.nodelist = "n1 n2";
  o.job_name = "x/y";
  o.signal_lead_s = 10;
  o.lease_s = -1;
  o.extra_directives = {"exclusive", "--a\n--b"};
  o.setup_lines = {"echo a\necho b"};
  const auto problems = o.validate();
  const std::vector<std::string> starts = {
      "the lpsweep executable 'bin/lpsweep' must be an absolute path", "--log-dir '/logs\\x' contains a backslash",
      "--tasks 0: must be between 1 and", "--max-concurrent -1", "--gpus-per-task -1", "--gpu-type 'h 100': use letters", "--runs-per-gpu 0", "--cpus-per-task -2", "--signal-lead 10: must be between 30",
      "--time '4 hours': use SLURM's format", "--partition 'gpu;rm -rf /'", "--account 'a b'", "--qos 'q\"'",
      "--nodelist 'n1 n2'", "--mem '64GB'", "--job-name 'x/y'", "--lease -1", "--sbatch 'exclusive'",
      "--sbatch '--a\n--b'", "--setup 'echo a\necho b'"};
  for (const auto& start : starts) {
    bool found = false;
    for (const auto& p : problems) found = found || p.rfind(start, 0) == 0;
    EXPECT_TRUE(found) << "no problem starting with: " << start;
  }
  EXPECT_EQ(problems.size(), starts.size());
  try {
    (void)slurm_script(o);
    ADD_FAILURE() << "slurm_script accepted bad options";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUserInput);
    EXPECT_NE(std::string(e.what()).find("cannot write the SLURM script:\n  the lpsweep executable"), std::string::npos)
        << e.what();
  }
}

TEST(SlurmScript, AGpuTypeWithoutGpusIsRefused) {
  auto o = basic_options();
  o.gpu_type = "a100";
  ASSERT_EQ(o.validate().size(), 1u);
  EXPECT_EQ(o.validate()[0], "--gpu-type 'a100' needs --gpus-per-task K");
}

TEST(SlurmScript, ATimeLimitShorterThanTheWarningIsRefused) {
  auto o = basic_options();
  o.time = "3";  // 180 s: SLURM may send USR1 up to 60 s before 120 s before the end = at once
  ASSERT_EQ(o.validate().size(), 1u);
  EXPECT_NE(o.validate()[0].find("leaves no room for the warning signal"), std::string::npos) << o.validate()[0];
  o.time = "3:01";
  EXPECT_TRUE(o.validate().empty());
  o.time = "UNLIMITED";
  EXPECT_TRUE(o.validate().empty());
}

TEST(SlurmTime, ParsesEverySlurmFormat) {
  EXPECT_EQ(parse_slurm_time_s("90"), 5400);
  EXPECT_EQ(parse_slurm_time_s("10:30"), 630);
  EXPECT_EQ(parse_slurm_time_s("04:00:00"), 14400);
  EXPECT_EQ(parse_slurm_time_s("2-0"), 172800);
  EXPECT_EQ(parse_slurm_time_s("1-2:30"), 95400);
  EXPECT_EQ(parse_slurm_time_s("1-02:30:05"), 95405);
  EXPECT_EQ(parse_slurm_time_s("INFINITE"), std::numeric_limits<int64_t>::max());
  for (const char* bad : {"", "4h", "1:2:3:4", "-5", "1-", "a-1", "1--2", ":", "1:", "1- 2", "99999999999"}) {
    EXPECT_FALSE(parse_slurm_time_s(bad).has_value()) << bad;
  }
}

TEST(SlurmStore, SqliteStoresGetAWarningNamingTheWayOutAndTheScriptShowsNoPassword) {
  EXPECT_EQ(slurm_store_warning("postgresql://u@h/db", false, 8), "");
  EXPECT_EQ(slurm_store_warning("postgres://h/db", false, 8), "");
  EXPECT_NE(slurm_store_warning("sqlite:/home/me/q.db", false, 1).find("task (and each requeue of it)"), std::string::npos);
  const std::string w = slurm_store_warning("/home/me/q.db", false, 8);
  for (const char* part : {"'/home/me/q.db' is a SQLite file", "8 array tasks", "network filesystems",
                           "postgresql://", "--nodelist"}) {
    EXPECT_NE(w.find(part), std::string::npos) << part << " not in: " << w;
  }
  EXPECT_NE(slurm_store_warning("/home/me/q.db", true, 8).find("exactly one node"), std::string::npos);
  auto o = basic_options();
  o.store = "postgresql://alice:hunter2@db/lps";
  EXPECT_EQ(slurm_script(o).find("hunter2"), std::string::npos);
  o.store = "/home/me/q.db";
  EXPECT_NE(slurm_script(o).find("# WARNING: a SQLite store serves one machine only"), std::string::npos);
}

// The generated script run by bash outside SLURM, with a fake lpsweep whose worker writes which signal it got
// and a fake scontrol that records its arguments: USR1 reaches the worker and requeues the task, TERM reaches
// it without a requeue, and the worker's exit status becomes the script's.
class SlurmScriptSignals : public ::testing::Test {
 protected:
  void SetUp() override {
    bin_ = dir_.file("bin");
    std::filesystem::create_directories(bin_);
    write_executable(bin_ + "/lpsweep", R"(#!/bin/bash
log="$FAKE_DIR/calls"
echo "$*" >> "$log"
if [ "$1" = submit ] && [ -n "${FAKE_SLOW_SUBMIT:-}" ]; then touch "$FAKE_DIR/submit-started"; sleep 1; fi
[ "$1" = worker ] || exit 0
trap 'echo USR1 > "$FAKE_DIR/got"; exit 0' USR1
trap 'echo TERM > "$FAKE_DIR/got"; exit 0' TERM
touch "$FAKE_DIR/worker-started"
for i in $(seq 300); do sleep 0.1; done
echo none > "$FAKE_DIR/got"
exit 3
)");
    write_executable(bin_ + "/scontrol", "#!/bin/bash\necho \"$*\" > \"$FAKE_DIR/scontrol\"\n");
    auto o = basic_options();
    o.lpsweep = bin_ + "/lpsweep";
    o.log_dir = dir_.file("logs");
    script_ = dir_.file("job.sbatch");
    std::ofstream(script_) << slurm_script(o);
  }

  static void write_executable(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  }

  // Starts the script, waits for the fake worker, sends `sig` to the batch shell; returns the exit status.
  int run_and_signal(int sig, const std::string& wait_for = "worker-started") {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::setenv("FAKE_DIR", dir_.path().c_str(), 1);
      ::setenv("PATH", (bin_ + ":/usr/bin:/bin").c_str(), 1);
      ::setenv("SLURM_JOB_ID", "4242", 1);
      ::setenv("SLURM_ARRAY_JOB_ID", "4240", 1);
      ::setenv("SLURM_ARRAY_TASK_ID", "2", 1);
      const std::string out = dir_.file("out.txt");
      (void)!std::freopen(out.c_str(), "w", stdout);
      ::execl("/bin/bash", "bash", script_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200 && !std::filesystem::exists(dir_.file(wait_for)); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    EXPECT_TRUE(std::filesystem::exists(dir_.file(wait_for)));
    ::kill(pid, sig);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  [[nodiscard]] std::string read(const std::string& name) const {
    std::ifstream in(dir_.file(name));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  test::TempDir dir_;
  std::string bin_, script_;
};

TEST_F(SlurmScriptSignals, Usr1ReachesTheWorkerAndTheTaskRequeuesItself) {
  EXPECT_EQ(run_and_signal(SIGUSR1), 0) << read("out.txt");
  EXPECT_EQ(read("got"), "USR1\n");
  EXPECT_EQ(read("scontrol"), "requeue 4242\n");
  EXPECT_EQ(read("calls"), "submit /home/me/sweeps/q.yaml\nworker /home/me/sweeps/q.yaml\n");
  EXPECT_NE(read("out.txt").find("array task 4240_2"), std::string::npos) << read("out.txt");
}

TEST_F(SlurmScriptSignals, Usr1DuringSubmitStartsNoWorkerAndRequeues) {
  ::setenv("FAKE_SLOW_SUBMIT", "1", 1);
  const int status = run_and_signal(SIGUSR1, "submit-started");
  ::unsetenv("FAKE_SLOW_SUBMIT");
  EXPECT_EQ(status, 0) << read("out.txt");
  EXPECT_EQ(read("calls"), "submit /home/me/sweeps/q.yaml\n");
  EXPECT_EQ(read("scontrol"), "requeue 4242\n");
  EXPECT_NE(read("out.txt").find("SIGUSR1 arrived before the worker started"), std::string::npos) << read("out.txt");
}

TEST_F(SlurmScriptSignals, TermReachesTheWorkerWithoutARequeue) {
  EXPECT_EQ(run_and_signal(SIGTERM), 0) << read("out.txt");
  EXPECT_EQ(read("got"), "TERM\n");
  EXPECT_FALSE(std::filesystem::exists(dir_.file("scontrol")));
}

}  // namespace
}  // namespace lps::runner
