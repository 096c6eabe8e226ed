// Shared by the trainer tests and the kill/resume child: a tiny run spec and hooks kept in memory or in a
// journal file (so a killed process's successor knows the checkpoints).
#pragma once

#include <lps/plan/run_spec.h>
#include <lps/train/run_hooks.h>

#include "tiny_run_spec.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace lps::test {

// A model and run that train in about a second on one CPU core.
inline plan::RunSpec tiny_spec(int64_t steps, int64_t checkpoint_every = 0) {
  return tiny_run_spec(steps, checkpoint_every);
}

// Hooks in memory; should_stop() turns true after `stop_after` calls (−1 = never).
class MemoryHooks : public train::RunHooks {
 public:
  explicit MemoryHooks(std::string dir, int64_t stop_after = -1) : dir_(std::move(dir)), stop_after_(stop_after) {
    std::filesystem::create_directories(dir_);
  }
  void on_metrics(const train::StepMetrics& m) override { metrics.push_back(m); }
  void on_checkpoint(const train::CheckpointRecord& r) override { records.push_back(r); }
  bool should_stop() override { return stop_after_ >= 0 && calls_++ >= stop_after_; }
  std::optional<train::CheckpointRecord> latest_checkpoint() override {
    for (auto it = records.rbegin(); it != records.rend(); ++it) {
      if (!rejected.contains(it->path)) return *it;
    }
    return std::nullopt;
  }
  void reject_checkpoint(const train::CheckpointRecord& bad, const std::string& why) override {
    rejected.insert(bad.path);
    reasons.push_back(why);
  }
  std::string checkpoint_dir() override { return dir_; }
  void never_stop() { stop_after_ = -1; }

  std::vector<train::StepMetrics> metrics;
  std::vector<train::CheckpointRecord> records;
  std::set<std::string> rejected;
  std::vector<std::string> reasons;

 private:
  std::string dir_;
  int64_t stop_after_;
  int64_t calls_ = 0;
};

// Hooks whose checkpoint records live in <dir>/journal (one "step sha256 path" line each, fsynced).
class JournalHooks : public train::RunHooks {
 public:
  explicit JournalHooks(std::string dir) : dir_(std::move(dir)) { std::filesystem::create_directories(dir_); }
  void on_metrics(const train::StepMetrics&) override {}
  void on_checkpoint(const train::CheckpointRecord& r) override {
    const std::string line = std::to_string(r.step) + " " + r.sha256 + " " + r.path + "\n";
    const int fd = ::open((dir_ + "/journal").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) return;
    (void)!::write(fd, line.data(), line.size());
    ::fsync(fd);
    ::close(fd);
  }
  bool should_stop() override { return false; }
  std::optional<train::CheckpointRecord> latest_checkpoint() override {
    auto all = records(dir_);
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (!rejected_.contains(it->path)) return *it;
    }
    return std::nullopt;
  }
  void reject_checkpoint(const train::CheckpointRecord& bad, const std::string&) override { rejected_.insert(bad.path); }
  std::string checkpoint_dir() override { return dir_; }

  static std::vector<train::CheckpointRecord> records(const std::string& dir) {
    std::vector<train::CheckpointRecord> out;
    std::ifstream in(dir + "/journal");
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      train::CheckpointRecord r;
      if (fields >> r.step >> r.sha256 >> r.path) out.push_back(r);
    }
    return out;
  }

 private:
  std::string dir_;
  std::set<std::string> rejected_;
};

}  // namespace lps::test
