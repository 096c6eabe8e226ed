// kill -9 at 20 random steps, resume each time, and the result equals the uninterrupted run bit for bit.
#include "train_test_support.h"

#include <lps/core/error.h>

#include <gtest/gtest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

extern char** environ;

namespace lps::train {
namespace {
namespace fs = std::filesystem;

// LibTorch's libtorch.so exports its own std::filesystem::remove_all, which crashed (null call) on the
// checkpoint trees this test leaves; removing them with rm keeps the test independent of that symbol.
void remove_tree(const fs::path& path) {
  const std::string command = "rm -rf '" + path.string() + "'";
  (void)!std::system(command.c_str());
}

constexpr int64_t kSteps = 240;
constexpr int64_t kCheckpointEvery = 3;
constexpr int kKills = 20;

// Starts train_child with stdout into <dir>/out.txt; returns its pid.
pid_t start_child(const std::string& dir) {
  const std::string steps = std::to_string(kSteps), every = std::to_string(kCheckpointEvery);
  const std::string out = dir + "/out.txt";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const char* argv[] = {LPS_TRAIN_CHILD, dir.c_str(), steps.c_str(), every.c_str(), nullptr};
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, LPS_TRAIN_CHILD, &actions, nullptr, const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  LPS_CHECK(rc == 0, "posix_spawn failed: {}", rc);
  return pid;
}

std::string run_to_completion(const std::string& dir) {
  const pid_t pid = start_child(dir);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  std::ifstream in(dir + "/out.txt");
  std::string line, result;
  while (std::getline(in, line)) {
    if (line.rfind("RESULT ", 0) == 0) result = line;
  }
  return result;
}

TEST(KillResume, TwentyKillsAtRandomStepsThenResumeEqualTheUninterruptedRunBitForBit) {
  const fs::path base = fs::temp_directory_path() / ("lps_kill_" + std::to_string(::getpid()));
  remove_tree(base);
  const std::string straight_dir = (base / "straight").string(), killed_dir = (base / "killed").string();
  fs::create_directories(straight_dir);
  fs::create_directories(killed_dir);
  const std::string expected = run_to_completion(straight_dir);
  ASSERT_FALSE(expected.empty()) << "the uninterrupted child printed no RESULT line";

  std::mt19937_64 rng(std::random_device{}());
  std::vector<int64_t> killed_after;
  for (int k = 0; k < kKills; ++k) {
    const size_t before = test::JournalHooks::records(killed_dir).size();
    const pid_t pid = start_child(killed_dir);
    // Wait for fresh progress (a new checkpoint), then kill after a random delay: a random step.
    int status = 0;
    bool exited = false;
    while (test::JournalHooks::records(killed_dir).size() == before) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ASSERT_FALSE(exited) << "the child ended before making progress (status " << status << ")";
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 20000)(rng)));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    const auto records = test::JournalHooks::records(killed_dir);
    killed_after.push_back(records.empty() ? 0 : records.back().step);
    if (WIFEXITED(status)) break;  // finished before the signal landed: nothing left to kill
  }
  ASSERT_GE(killed_after.size(), 10u);
  for (size_t i = 1; i < killed_after.size(); ++i) EXPECT_GT(killed_after[i], killed_after[i - 1]);
  EXPECT_LT(killed_after.back(), kSteps);
  const std::string resumed = run_to_completion(killed_dir);
  EXPECT_EQ(resumed, expected) << "the resumed run's final loss or parameters differ";
  remove_tree(base);
}

}  // namespace
}  // namespace lps::train
