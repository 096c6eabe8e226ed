// GPU lists and the plan of worker processes (one per GPU × runs-per-gpu, CUDA_VISIBLE_DEVICES each).
#include <lps/core/error.h>
#include <lps/runner/worker_processes.h>

#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>

namespace lps::runner {
namespace {

std::string user_error(const std::string& text, int visible) {
  try {
    (void)parse_gpu_list(text, visible);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUserInput);
    return e.what();
  }
  return "";
}

TEST(GpuList, AllMeansEveryVisibleGpu) { EXPECT_EQ(parse_gpu_list("all", 3), (std::vector<int>{0, 1, 2})); }

TEST(GpuList, ACommaListIsTakenInOrder) { EXPECT_EQ(parse_gpu_list("2,0", 4), (std::vector<int>{2, 0})); }

TEST(GpuList, MistakesAreUserErrorsNamingTheProblem) {
  EXPECT_NE(user_error("0,x", 2).find("'x' is not a GPU index"), std::string::npos);
  EXPECT_NE(user_error("0,,1", 2).find("'' is not a GPU index"), std::string::npos);
  EXPECT_NE(user_error("-1", 2).find("is not a GPU index"), std::string::npos);
  EXPECT_NE(user_error("3", 2).find("GPU 3 does not exist (2 visible: 0..1)"), std::string::npos);
  EXPECT_NE(user_error("1,1", 2).find("GPU 1 is listed twice"), std::string::npos);
  EXPECT_NE(user_error("all", 0).find("no CUDA device is visible"), std::string::npos);
}

// The value a child gets for `key` in its extra environment, or "" when it gets none.
std::string env_of(const ChildProcess& child, const std::string& key) {
  for (const auto& [k, v] : child.env) {
    if (k == key) return v;
  }
  return "";
}

TEST(WorkerProcesses, OneChildPerGpuTimesRunsPerGpuEachSeeingOnlyItsGpu) {
  const auto children = plan_worker_processes({"/bin/lpsweep", "worker", "--store", "s.db"}, {0, 3}, 2, "host");
  ASSERT_EQ(children.size(), 4u);
  EXPECT_EQ(children[2].name, "gpu3.0");
  EXPECT_EQ(env_of(children[2], "CUDA_VISIBLE_DEVICES"), "3");
  EXPECT_EQ(env_of(children[0], "CUDA_VISIBLE_DEVICES"), "0");
  EXPECT_EQ(children[3].argv.back(), "host:gpu3.1");
  EXPECT_EQ(children[3].argv[0], "/bin/lpsweep");
}

TEST(WorkerProcesses, WithoutGpusKChildrenRunOnTheCpu) {
  ::unsetenv("OMP_NUM_THREADS");
  const auto children = plan_worker_processes({"/bin/true"}, {}, 3, "h");
  ASSERT_EQ(children.size(), 3u);
  EXPECT_EQ(env_of(children[0], "CUDA_VISIBLE_DEVICES"), "");
  EXPECT_EQ(children[1].name, "cpu1");
}

TEST(WorkerProcesses, ChildrenShareTheCoresThroughOmpNumThreadsUnlessTheUserChose) {
  ::unsetenv("OMP_NUM_THREADS");
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(::sched_getaffinity(0, sizeof set, &set), 0);
  const int cores = CPU_COUNT(&set);  // the cores this process may use (taskset, batch schedulers)
  const auto three = plan_worker_processes({"/bin/true"}, {}, 3, "h");
  for (const auto& c : three) EXPECT_EQ(env_of(c, "OMP_NUM_THREADS"), std::to_string(std::max(1, cores / 3)));
  const auto many = plan_worker_processes({"/bin/true"}, {}, 64, "h");
  EXPECT_EQ(env_of(many[63], "OMP_NUM_THREADS"), std::to_string(std::max(1, cores / 64)));
  ::setenv("OMP_NUM_THREADS", "7", 1);
  const auto chosen = plan_worker_processes({"/bin/true"}, {}, 2, "h");
  EXPECT_EQ(env_of(chosen[0], "OMP_NUM_THREADS"), "") << "the user's OMP_NUM_THREADS is inherited unchanged";
  ::unsetenv("OMP_NUM_THREADS");
}

TEST(WorkerProcesses, ChildrenRunAndFailuresAreCounted) {
  std::vector<ChildProcess> children(2);
  children[0].name = "ok";
  children[0].argv = {"/bin/sh", "-c", "test \"$LPS_T\" = yes"};
  children[0].env = {{"LPS_T", "yes"}};
  children[1].name = "bad";
  children[1].argv = {"/bin/sh", "-c", "exit 3"};
  EXPECT_EQ(run_child_processes(children), 1);
}

}  // namespace
}  // namespace lps::runner
