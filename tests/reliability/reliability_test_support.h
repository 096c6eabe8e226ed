// Shared by the reliability suites (docs/RELIABILITY.md): temporary folders, child processes with extra
// environment variables, a tiny trainable run submitted to a store, and checks on what a store holds.
#pragma once

#include <lps/core/error.h>
#include <lps/core/sha256.h>
#include <lps/plan/run_key.h>
#include <lps/plan/run_spec_json.h>
#include <lps/store/store.h>

#include <fmt/format.h>
#include "tiny_run_spec.h"
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace lps::reliability {
namespace fs = std::filesystem;

// LPS_EXTENDED_TESTS=1 turns on the long variants of every suite (100 kills instead of 20, ...).
inline bool extended_tests() {
  const char* env = std::getenv("LPS_EXTENDED_TESTS");
  return env != nullptr && std::string(env) == "1";
}

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            fmt::format("lps-rel-{}-{}-{}", info != nullptr ? info->name() : "x", ::getpid(), counter++);
    remove();
    fs::create_directories(path_);
  }
  ~TempDir() { remove(); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  // rm, not fs::remove_all: libtorch.so exports its own remove_all, which crashed in the kill -9 test.
  void remove() const { (void)!std::system(fmt::format("rm -rf '{}'", path_.string()).c_str()); }
  fs::path path_;
};

// A child process: argv, extra environment ("NAME=value"), stdout+stderr into `log`.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& log) {
    std::vector<std::string> environment;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry = *e;
      bool replaced = false;
      for (const auto& extra : env) replaced = replaced || entry.substr(0, entry.find('=') + 1) == extra.substr(0, extra.find('=') + 1);
      if (!replaced) environment.push_back(entry);
    }
    environment.insert(environment.end(), env.begin(), env.end());
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    LPS_CHECK(rc == 0, "posix_spawn {} failed: {}", argv[0], rc);
  }
  ~Child() {
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      (void)wait();
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  // The wait status (waitpid), blocking.
  int wait() {
    if (!waited_) {
      ::waitpid(pid_, &status_, 0);
      waited_ = true;
    }
    return status_;
  }
  // True once the child has ended (status in *status), without blocking.
  bool done() {
    if (!waited_ && ::waitpid(pid_, &status_, WNOHANG) == pid_) waited_ = true;
    return waited_;
  }
  [[nodiscard]] int status() const { return status_; }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool waited_ = false;
};

inline bool exited_ok(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }
inline bool killed_by_sigkill(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }
inline std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("signal {}", WTERMSIG(status));
  return fmt::format("status {}", status);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A tiny model on the synthetic source that trains `steps` steps in about a second on one CPU core,
// logging metrics and checkpointing every `every` steps.
inline plan::RunSpec tiny_run(int64_t steps, int64_t every, uint64_t seed = 3) {
  plan::RunSpec spec = lps::test::tiny_run_spec(steps, every);
  spec.sweep = "reliability";
  spec.model.preset = "nano";
  spec.checkpoint.keep = 2;
  spec.log_every_steps = every;
  spec.seed = seed;
  return spec;
}

inline store::RunToSubmit to_submit(const plan::RunSpec& spec, const std::string& label, int max_attempts = 10) {
  store::RunToSubmit r;
  r.key = plan::run_key(spec);
  r.label = label;
  r.n_params = 1000;
  r.tokens = spec.tokens;
  r.scheme = "bf16";
  r.spec_json = plan::to_json(spec);
  r.max_attempts = max_attempts;
  r.backoff_s = 0;
  return r;
}

// Submits `specs` as one sweep whose output (checkpoints) lies in <dir>/out.
inline void submit(const std::string& store_path, const std::string& out_dir, const std::vector<store::RunToSubmit>& runs) {
  auto store = store::Store::open(store_path);
  (void)store.submit({"reliability", out_dir, ""}, runs);
}

// Every *.tmp file under dir (orphaned temporaries).
inline std::vector<std::string> temporaries(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().extension() == ".tmp") out.push_back(it->path().string());
  }
  return out;
}

// Checks every usable checkpoint the store offers for `run_id`: the file exists and its SHA-256 matches.
// Returns the problems (empty = every committed checkpoint loads as far as the bytes go).
inline std::vector<std::string> unloadable_checkpoints(const store::Store& store, int64_t run_id) {
  std::vector<std::string> problems;
  for (const auto& row : store.checkpoints(run_id)) {
    std::error_code ec;
    if (!fs::is_regular_file(row.path, ec)) {
      problems.push_back(fmt::format("step {}: {} is missing", row.step, row.path));
      continue;
    }
    if (sha256_file_hex(row.path) != row.sha256) problems.push_back(fmt::format("step {}: SHA-256 mismatch", row.step));
  }
  return problems;
}

// "resumed from <path> (step S)" lines of a worker log, in order.
inline std::vector<int64_t> resumed_steps(const std::string& log) {
  std::vector<int64_t> steps;
  const std::string marker = "resumed from ";
  for (size_t at = log.find(marker); at != std::string::npos; at = log.find(marker, at + 1)) {
    const size_t open = log.find("(step ", at);
    if (open == std::string::npos) break;
    steps.push_back(std::stoll(log.substr(open + 6)));
  }
  return steps;
}

constexpr double kLeaseS = 1;            // a killed worker's run is claimable again after this
constexpr double kChildTimeoutS = 240;   // a worker that runs longer is hung

// Runs `lps_reliability_worker worker STORE --lease 1 ARGS...` to its end (killed past the timeout);
// returns its wait status.
inline int run_worker(const std::string& store, const std::vector<std::string>& extra_args,
                      const std::vector<std::string>& env, const std::string& log) {
  std::vector<std::string> argv = {LPS_RELIABILITY_WORKER, "worker", store, "--lease", fmt::format("{}", kLeaseS)};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  Child child(argv, env, log);
  const auto start = std::chrono::steady_clock::now();
  while (!child.done()) {
    if (std::chrono::steady_clock::now() - start > std::chrono::duration<double>(kChildTimeoutS)) {
      ::kill(child.pid(), SIGKILL);
      ADD_FAILURE() << "worker hung; log " << log;
      return child.wait();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return child.status();
}

// The final held-out loss of tiny_run(steps, every) trained by one uninterrupted worker (memoised).
inline double uninterrupted_tiny_loss(int64_t steps, int64_t every) {
  static std::map<std::pair<int64_t, int64_t>, double> memo;
  if (auto it = memo.find({steps, every}); it != memo.end()) return it->second;
  TempDir dir;
  const std::string path = dir.file("s.db");
  submit(path, dir.file("out"), {to_submit(tiny_run(steps, every), "tiny")});
  const int status = run_worker(path, {}, {}, dir.file("worker.log"));
  EXPECT_TRUE(exited_ok(status)) << describe_status(status) << "\n" << read_file(dir.file("worker.log"));
  const auto runs = store::Store::open(path).runs();
  const double loss = runs.size() == 1 && runs[0].final_eval_loss ? *runs[0].final_eval_loss : std::nan("");
  memo[{steps, every}] = loss;
  return loss;
}

inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

}  // namespace lps::reliability
