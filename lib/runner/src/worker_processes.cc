#include <lps/core/error.h>
#include <lps/core/log.h>
#include <lps/runner/stop_signals.h>
#include <lps/runner/worker_processes.h>

#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <set>
#include <thread>

extern char** environ;

namespace lps::runner {

std::vector<int> parse_gpu_list(std::string_view text, int visible_gpus) {
  if (text == "all") {
    if (visible_gpus <= 0) throw Error(ErrorKind::kUserInput, "--gpus all: no CUDA device is visible on this machine");
    std::vector<int> all;
    for (int i = 0; i < visible_gpus; ++i) all.push_back(i);
    return all;
  }
  std::vector<int> gpus;
  std::set<int> seen;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string_view item = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    int gpu = -1;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), gpu);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || gpu < 0) {
      throw Error(ErrorKind::kUserInput,
                  fmt::format("--gpus '{}': '{}' is not a GPU index; write e.g. 0,1 or all", text, item));
    }
    if (gpu >= visible_gpus) {
      throw Error(ErrorKind::kUserInput, fmt::format("--gpus '{}': GPU {} does not exist ({} visible{})", text, gpu,
                                                     visible_gpus, visible_gpus > 0 ? fmt::format(": 0..{}", visible_gpus - 1) : ""));
    }
    if (!seen.insert(gpu).second) {
      throw Error(ErrorKind::kUserInput, fmt::format("--gpus '{}': GPU {} is listed twice", text, gpu));
    }
    gpus.push_back(gpu);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return gpus;
}

namespace {

// The cores this process may run on (its affinity mask, e.g. under taskset or a batch scheduler), else the
// machine's.
int usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace

std::vector<ChildProcess> plan_worker_processes(const std::vector<std::string>& worker_argv,
                                                const std::vector<int>& gpus, int runs_per_gpu,
                                                const std::string& base_id) {
  LPS_CHECK(!worker_argv.empty(), "worker_argv needs the executable");
  if (runs_per_gpu < 1) {
    throw Error(ErrorKind::kUserInput, fmt::format("--runs-per-gpu must be ≥ 1 (got {})", runs_per_gpu));
  }
  std::vector<ChildProcess> children;
  auto add = [&](const std::string& slot, const std::vector<std::pair<std::string, std::string>>& env) {
    ChildProcess child;
    child.name = slot;
    child.argv = worker_argv;
    child.argv.push_back("--id");
    child.argv.push_back(fmt::format("{}:{}", base_id, slot));
    child.env = env;
    children.push_back(std::move(child));
  };
  if (gpus.empty()) {
    for (int k = 0; k < runs_per_gpu; ++k) add(fmt::format("cpu{}", k), {});
  }
  for (int gpu : gpus) {
    for (int k = 0; k < runs_per_gpu; ++k) {
      add(fmt::format("gpu{}.{}", gpu, k), {{"CUDA_VISIBLE_DEVICES", std::to_string(gpu)}});
    }
  }
  // The children share this machine's cores: each gets cores / children OpenMP threads (at least 1) unless
  // the user chose OMP_NUM_THREADS. Without this every child starts one thread per core and they spin in
  // each other's barriers — on 2 cores, 2 CPU workers training tiny models were 8× slower (79% of the time
  // in libgomp's spin-wait).
  if (std::getenv("OMP_NUM_THREADS") == nullptr && !children.empty()) {
    const int cores = usable_cores();
    const int threads = std::max(1, cores / static_cast<int>(children.size()));
    for (auto& child : children) child.env.emplace_back("OMP_NUM_THREADS", std::to_string(threads));
  }
  return children;
}

namespace {

std::vector<std::string> child_environment(const ChildProcess& child) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    bool replaced = false;
    for (const auto& [key, value] : child.env) replaced = replaced || entry.rfind(key + "=", 0) == 0;
    if (!replaced) env.push_back(entry);
  }
  for (const auto& [key, value] : child.env) env.push_back(key + "=" + value);
  return env;
}

pid_t spawn(const ChildProcess& child) {
  std::vector<std::string> env = child_environment(child);
  std::vector<char*> argv, envp;
  for (const auto& a : child.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, child.argv[0].c_str(), nullptr, nullptr, argv.data(), envp.data());
  if (rc != 0) throw IoError(fmt::format("cannot start worker {} ({}): {}", child.name, child.argv[0], std::strerror(rc)));
  return pid;
}

}  // namespace

int run_child_processes(const std::vector<ChildProcess>& children) {
  std::vector<pid_t> pids;
  for (const auto& child : children) {
    pids.push_back(spawn(child));
    log_info("started worker {} (pid {})", child.name, pids.back());
  }
  int failed = 0;
  size_t running = pids.size();
  bool forwarded = false;
  while (running > 0) {
    if (process_stop_requested() && !forwarded) {
      forwarded = true;
      log_info("stop requested: asking {} worker(s) to checkpoint and release their runs", running);
      // Pass on the signal that came (SLURM's SIGUSR1 stays SIGUSR1, so attempts name it); SIGTERM otherwise.
      const int sig = process_stop_signal() != 0 ? process_stop_signal() : SIGTERM;
      for (pid_t pid : pids) {
        if (pid > 0) ::kill(pid, sig);
      }
    }
    int status = 0;
    const pid_t done = ::waitpid(-1, &status, WNOHANG);
    if (done > 0) {
      for (size_t i = 0; i < pids.size(); ++i) {
        if (pids[i] != done) continue;
        pids[i] = -1;
        --running;
        const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (!ok) {
          ++failed;
          log_warn("worker {} ended with {}", children[i].name,
                   WIFEXITED(status) ? fmt::format("exit code {}", WEXITSTATUS(status))
                                     : fmt::format("signal {}", WTERMSIG(status)));
        }
      }
      continue;
    }
    if (done < 0 && errno == ECHILD) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return failed;
}

}  // namespace lps::runner
