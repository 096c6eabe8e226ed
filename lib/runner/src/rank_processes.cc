// RankProcesses (rank_processes.h): start, watch and reap the follower ranks of a data-parallel run.
#include <lps/runner/rank_processes.h>

#include <lps/core/clock.h>
#include <lps/core/error.h>
#include <lps/core/log.h>

#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstring>

extern char** environ;

namespace lps::runner {
namespace {

[[nodiscard]] std::string describe_end(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return fmt::format("ended with status {}", status);
}

[[nodiscard]] pid_t spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, args[0].c_str(), nullptr, nullptr, argv.data(), environ);
  if (rc != 0) throw IoError(fmt::format("cannot start a data-parallel rank ({}): {}", args[0], std::strerror(rc)));
  return pid;
}

}  // namespace

std::vector<std::string> follower_argv(const RankLaunch& launch, int rank) {
  LPS_CHECK(!launch.command.empty(), "RankLaunch::command needs the executable");
  LPS_CHECK(rank > 0 && rank < launch.world && static_cast<int>(launch.devices.size()) == launch.world,
            "follower_argv: rank {} of {} with {} devices", rank, launch.world, launch.devices.size());
  std::vector<std::string> argv = launch.command;
  argv.insert(argv.end(), {"--connect", fmt::format("{}:{}", launch.host, launch.port), "--rank", std::to_string(rank),
                           "--world", std::to_string(launch.world), "--device", launch.devices[rank], "--timeout",
                           fmt::format("{}", launch.timeout_s), "--bucket-mb", fmt::format("{}", launch.bucket_mb),
                           "--parent", std::to_string(::getpid())});
  return argv;
}

RankProcesses::RankProcesses(const RankLaunch& launch, std::function<void(const std::string&)> on_failure)
    : on_failure_(std::move(on_failure)) {
  try {
    for (int r = 1; r < launch.world; ++r) {
      const auto argv = follower_argv(launch, r);
      const pid_t pid = spawn(argv);
      std::lock_guard lock(mu_);
      children_.push_back({r, pid, false, 0});
      log_info("started data-parallel rank {}/{} on {} (pid {})", r, launch.world, launch.devices[r], pid);
    }
  } catch (...) {
    stop_all();
    throw;
  }
  monitor_ = std::thread([this] { monitor(); });
}

RankProcesses::~RankProcesses() {
  stop_all();
  quit_.store(true);
  if (monitor_.joinable()) monitor_.join();
}

void RankProcesses::monitor() {
  while (!quit_.load()) {
    std::optional<std::string> failed;
    {
      std::lock_guard lock(mu_);
      for (auto& c : children_) {
        if (c.done) continue;
        int status = 0;
        const pid_t done = ::waitpid(c.pid, &status, WNOHANG);
        if (done != c.pid) continue;
        c.done = true;
        c.status = status;
        const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (!clean && !stopping_.load() && !failure_) {
          failure_ = fmt::format("data-parallel rank {} (pid {}) {}", c.rank, c.pid, describe_end(status));
          failed = failure_;
        }
      }
    }
    if (failed) {
      log_warn("{}", *failed);
      if (on_failure_) on_failure_(*failed);
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(kMonitorPollS));
  }
}

void RankProcesses::stop_all() {
  stopping_.store(true);
  auto running = [&] {
    std::vector<pid_t> pids;
    std::lock_guard lock(mu_);
    for (auto& c : children_) {
      if (c.done) continue;
      int status = 0;
      if (::waitpid(c.pid, &status, WNOHANG) == c.pid) {
        c.done = true;
        c.status = status;
      } else {
        pids.push_back(c.pid);
      }
    }
    return pids;
  };
  auto pids = running();
  if (pids.empty()) return;
  for (pid_t pid : pids) ::kill(pid, SIGKILL);  // they ignore SIGTERM (prepare_follower_process)
  const Stopwatch waited;
  while (!(pids = running()).empty() && waited.seconds() < kReapWaitS) {
    std::this_thread::sleep_for(std::chrono::duration<double>(kMonitorPollS / 5));
  }
  std::lock_guard lock(mu_);
  for (auto& c : children_) {
    if (c.done) continue;
    int status = 0;
    (void)::waitpid(c.pid, &status, 0);  // SIGKILL cannot be ignored: this returns
    c.done = true;
    c.status = status;
  }
}

bool RankProcesses::wait_all(double wait_s) {
  const Stopwatch waited;
  while (true) {
    {
      std::lock_guard lock(mu_);
      bool all_done = true, all_clean = true;
      for (const auto& c : children_) {
        all_done = all_done && c.done;
        all_clean = all_clean && c.done && WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0;
      }
      if (all_done || waited.seconds() > wait_s) return all_done && all_clean;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(kMonitorPollS));
  }
}

std::optional<std::string> RankProcesses::failure(double wait_s) const {
  const Stopwatch waited;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (failure_ || waited.seconds() >= wait_s) return failure_;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(kMonitorPollS));
  }
}

std::vector<pid_t> RankProcesses::pids() const {
  std::lock_guard lock(mu_);
  std::vector<pid_t> out;
  for (const auto& c : children_) out.push_back(c.pid);
  return out;
}

void prepare_follower_process(pid_t expected_parent) {
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_IGN);
#ifdef __linux__
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
    log_warn("prctl(PR_SET_PDEATHSIG): {}; this rank may outlive rank 0", std::strerror(errno));
  }
#endif
  // The parent may have ended before the request above: then we were reparented already.
  if (expected_parent > 0 && ::getppid() != expected_parent) ::raise(SIGKILL);
}

}  // namespace lps::runner
