#include <lps/core/error.h>
#include <lps/core/sha256.h>
#include <lps/runner/test_double_executor.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace lps::runner {
namespace {

bool has_marker(const std::string& label, const char* marker) { return label.find(marker) != std::string::npos; }

// A tiny checkpoint: the step as text. Written to a temporary name, then renamed (atomic on POSIX).
train::CheckpointRecord write_checkpoint(const std::string& dir, int64_t step) {
  const std::string path = fmt::format("{}/step-{:08d}.ckpt", dir, step);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << "test-double step " << step << "\n";
    if (!out) throw IoError(fmt::format("cannot write checkpoint {}", tmp));
  }
  std::filesystem::rename(tmp, path);
  return {path, step, sha256_file_hex(path)};
}

int64_t read_checkpoint_step(const std::string& path) {
  std::ifstream in(path);
  std::string a, b;
  int64_t step = -1;
  in >> a >> b >> step;
  if (!in || a != "test-double" || b != "step") throw IoError(fmt::format("{}: not a test-double checkpoint", path));
  return step;
}

}  // namespace

double test_double_loss(const std::string& key) {
  const std::string head = key.substr(0, 8);
  const unsigned long value = std::strtoul(head.c_str(), nullptr, 16);
  return 2.0 + static_cast<double>(value) / 4294967296.0;
}

train::RunResult TestDoubleExecutor::execute(const plan::RunSpec& spec, const store::ClaimedRun& run,
                                             train::RunHooks& hooks) {
  (void)spec;
  const auto started = std::chrono::steady_clock::now();
  if (has_marker(run.label, "[fail]")) throw RunError(fmt::format("injected failure (attempt {})", run.attempt));
  if (has_marker(run.label, "[flaky]") && run.attempt == 1) throw RunError("injected failure on the first attempt");
  const double step_s = options_.step_s * (has_marker(run.label, "[slow]") ? 100.0 : 1.0);
  const int64_t tokens_per_step = std::max<int64_t>(1, run.tokens / std::max(1, options_.steps));

  int64_t step = 0;
  while (auto ck = hooks.latest_checkpoint()) {
    try {
      step = read_checkpoint_step(ck->path);
      break;
    } catch (const Error& e) {
      hooks.reject_checkpoint(*ck, e.what());
    }
  }
  const int64_t first_step = step;
  train::RunResult result;
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  auto finish = [&](train::RunStatus status) {
    result.status = status;
    result.steps = step;
    result.tokens = step * tokens_per_step;
    result.wall_s = elapsed();
    result.tokens_per_s = static_cast<double>((step - first_step) * tokens_per_step) / std::max(1e-9, result.wall_s);
    return result;
  };
  const double loss = test_double_loss(run.key);
  while (step < options_.steps) {
    if (hooks.should_stop()) {
      hooks.on_checkpoint(write_checkpoint(hooks.checkpoint_dir(), step));
      result.message = fmt::format("stopped at step {}", step);
      return finish(train::RunStatus::kStopped);
    }
    if (step_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(step_s));
    ++step;
    if (has_marker(run.label, "[diverge]") && step == 2) {
      result.diverged_step = step;
      result.diverged_value = std::numeric_limits<double>::infinity();
      result.message = "diverged at step 2: training loss is not finite (inf)";
      return finish(train::RunStatus::kDiverged);
    }
    train::StepMetrics m;
    m.step = step;
    m.tokens = step * tokens_per_step;
    m.train_loss = loss + 1.0 / static_cast<double>(step);
    m.lr = 1e-3;
    m.grad_norm = 1.0;
    m.tokens_per_s = static_cast<double>(tokens_per_step) / std::max(1e-9, step_s);
    if (step == options_.steps) m.eval_loss = loss;
    hooks.on_metrics(m);
    if (options_.checkpoint_every > 0 && step % options_.checkpoint_every == 0 && step < options_.steps) {
      hooks.on_checkpoint(write_checkpoint(hooks.checkpoint_dir(), step));
    }
  }
  result.final_eval_loss = loss;
  result.message = fmt::format("completed {} steps", step);
  return finish(train::RunStatus::kCompleted);
}

}  // namespace lps::runner
