// run_training: RunSpec + hooks → a trained (or diverged, or stopped) run. Resumes from the newest
// checkpoint that verifies, logs progress, reports metrics and checkpoints through the hooks.
#include <lps/train/train_run.h>

#include <lps/core/clock.h>
#include <lps/core/error.h>
#include <lps/core/fault_injection.h>
#include <lps/core/log.h>
#include <lps/core/progress.h>
#include <lps/ops/device.h>
#include <lps/plan/run_key.h>
#include <lps/train/checkpoint_file.h>
#include <lps/train/distributed.h>
#include <lps/train/run_setup.h>
#include <lps/train/trainer.h>

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>

namespace lps::train {
namespace {

[[nodiscard]] torch::Device pick_device(const std::string& name) {
  if (name == "auto") return ops::cuda_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  try {
    torch::Device device(name);
    if (device.is_cuda() && !ops::cuda_available()) {
      throw Error(ErrorKind::kUserInput, fmt::format("device '{}' asked for, but no CUDA device is visible", name));
    }
    return device;
  } catch (const c10::Error&) {
    throw Error(ErrorKind::kUserInput, fmt::format("unknown device '{}' (auto | cpu | cuda | cuda:N)", name));
  }
}

struct Divergence {
  int64_t step;
  double value;
  std::string what;
};

[[nodiscard]] std::optional<Divergence> find_divergence(const std::vector<StepValues>& values, double explosion) {
  for (const auto& v : values) {
    if (!std::isfinite(v.loss)) return Divergence{v.step + 1, v.loss, "training loss is not finite"};
    if (!std::isfinite(v.grad_norm)) return Divergence{v.step + 1, v.grad_norm, "gradient norm is not finite"};
    if (v.loss > explosion) {
      return Divergence{v.step + 1, v.loss, fmt::format("training loss exploded past {:.3f}", explosion)};
    }
  }
  return std::nullopt;
}

// Loads the newest checkpoint that verifies; rejects the others through the hooks. True if resumed.
bool resume(Trainer& trainer, RunHooks& hooks) {
  while (auto record = hooks.latest_checkpoint()) {
    std::string why;
    const std::vector<char> bytes = read_verified_checkpoint(*record, &why);
    if (!bytes.empty()) {
      try {
        trainer.load_state(bytes);
        log_info("resumed from {} (step {})", record->path, trainer.step());
        return true;
      } catch (const Error& e) {
        why = e.what();
      }
    }
    log_warn("checkpoint rejected: {}", why);
    hooks.reject_checkpoint(*record, why);
  }
  return false;
}

// Test hook LPS_INJECT_NAN=<run label or key prefix>:<step> (docs/RELIABILITY.md): the selected run's step
// <step> (1-based) computes with NaN weights, as a real blow-up would. Returns that step, or -1.
[[nodiscard]] int64_t injected_nan_step(const plan::RunSpec& spec) {
  const char* env = std::getenv("LPS_INJECT_NAN");
  if (env == nullptr) return -1;
  const std::string text(env);
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return -1;
  const std::string who = text.substr(0, colon);
  if (who != plan::run_label(spec) && plan::run_key(spec).rfind(who, 0) != 0) return -1;
  return std::stoll(text.substr(colon + 1));
}

void poison_weights(Trainer& trainer) {
  torch::NoGradGuard no_grad;
  for (auto& p : trainer.model()->parameters()) p.fill_(std::numeric_limits<float>::quiet_NaN());
  log_warn("LPS_INJECT_NAN: the weights are NaN from step {} on", trainer.step() + 1);
}

}  // namespace

RunResult run_training(const plan::RunSpec& spec, RunHooks& hooks) { return run_training(spec, hooks, {}); }

RunResult run_training(const plan::RunSpec& spec, RunHooks& hooks, const TrainingOptions& options) {
  Stopwatch wall;
  // Deterministic cuBLAS needs a fixed workspace, set before the first cuBLAS handle; PyTorch refuses
  // deterministic GEMMs without it. Not overwritten when the user set it.
  if (options.deterministic) ::setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
  const torch::Device device = pick_device(options.device);
  auto source = make_source(spec.data);
  const model::ModelConfig config = make_model_config(spec, source->vocab_size());
  TrainerOptions trainer_options = make_trainer_options(spec);
  trainer_options.deterministic = options.deterministic;
  trainer_options.cuda_graph = options.cuda_graph;
  Trainer trainer(trainer_options, config, *source, device);
  const int64_t total = trainer_options.schedule.total_steps;
  const double explosion = options.explosion_loss > 0 ? options.explosion_loss : 2.0 * std::log(config.vocab_size);
  log_info("data: {}", source->describe());
  log_info("model: {} layers, d {}, {} heads × {}, d_ff {}, vocabulary {}, N = {}, scheme {}, device {}", config.n_layers,
           config.d_model, config.n_heads, config.head_dim, config.ffn_dim(), config.vocab_size,
           trainer.model()->non_embedding_params(), config.scheme.name, device.str());
  // A killed earlier attempt may have left a half-written checkpoint; this attempt owns the run now.
  if (const int n = remove_stale_temporaries(hooks.checkpoint_dir()); n > 0) log_info("{} stale checkpoint temporaries removed", n);
  const bool resumed = resume(trainer, hooks);
  // Data parallel (distributed.h): connect the ranks; all continue from rank 0's (possibly resumed) state,
  // and only rank 0 reports, evaluates and checkpoints.
  const bool leader = options.ranks == nullptr || options.ranks->rank() == 0;
  if (options.ranks != nullptr) trainer.join_ranks(*options.ranks);
  const int64_t first_step = trainer.step();
  const int64_t first_tokens = trainer.tokens();
  log_info("training {} steps of {} tokens ({} to go{})", total, trainer.tokens_per_step(), total - first_step,
           resumed ? ", resumed" : "");

  RunResult result;
  auto finish = [&](RunStatus status) {
    result.status = status;
    result.steps = trainer.step();
    result.tokens = trainer.tokens();
    result.wall_s = wall.seconds();
    result.tokens_per_s = static_cast<double>(trainer.tokens() - first_tokens) / std::max(1e-9, wall.seconds());
    result.params_sha256 = trainer.params_sha256();
    return result;
  };
  auto checkpoint = [&] {
    const std::string dir = hooks.checkpoint_dir();
    std::optional<CheckpointRecord> record;
    try {
      record = write_checkpoint_file(dir, trainer.step(), trainer.save_state());
      hooks.on_checkpoint(*record);
    } catch (const DiskFullError& e) {
      // A full disk is not the run's fault: keep the previous checkpoint (never prune without a new one),
      // drop this one if it was written but not recorded, and try again at the next interval.
      if (record) std::remove(record->path.c_str());
      log_warn("checkpoint at step {} skipped, the disk is full ({}); the previous checkpoint stays, next try at "
               "step {}", trainer.step(), e.what(), trainer.step() + spec.checkpoint.every_steps);
      return;
    }
    prune_checkpoints(dir, spec.checkpoint.keep);
  };

  ProgressOptions progress_options;
  progress_options.interval_s = options.progress_interval_s;
  progress_options.unit = "steps";
  Progress progress("train", total, progress_options);
  double interval_loss = 0;
  int64_t interval_steps = 0;
  Stopwatch interval_clock;
  int64_t interval_tokens = trainer.tokens();
  const int64_t log_every = std::max<int64_t>(1, spec.log_every_steps);

  double last_lr = 0, last_grad_norm = 0;
  // Reads the pending per-step values; false (and result filled) when the run diverged.
  auto drain = [&]() -> bool {
    const auto values = trainer.flush_metrics();
    if (auto d = find_divergence(values, explosion)) {
      result.diverged_step = d->step;
      result.diverged_value = d->value;
      result.message = fmt::format("diverged at step {}: {} ({})", d->step, d->what, d->value);
      log_warn("{}", result.message);
      return false;
    }
    for (const auto& v : values) {
      interval_loss += v.loss;
      ++interval_steps;
      last_lr = v.lr;
      last_grad_norm = v.grad_norm;
    }
    return true;
  };
  auto report = [&](double eval_loss, double lr, double grad_norm) {
    StepMetrics m;
    m.step = trainer.step();
    m.tokens = trainer.tokens();
    m.train_loss = interval_steps > 0 ? interval_loss / static_cast<double>(interval_steps) : 0;
    m.eval_loss = eval_loss;
    m.lr = lr;
    m.grad_norm = grad_norm;
    m.tokens_per_s = static_cast<double>(trainer.tokens() - interval_tokens) / std::max(1e-9, interval_clock.seconds());
    hooks.on_metrics(m);
    progress.update(m.step, fmt::format("loss {:.4f}{} | {:.0f} tokens/s", m.train_loss,
                                        eval_loss >= 0 ? fmt::format(" eval {:.4f}", eval_loss) : "", m.tokens_per_s));
    interval_loss = 0;
    interval_steps = 0;
    interval_tokens = trainer.tokens();
    interval_clock.reset();
  };

  const int64_t nan_step = injected_nan_step(spec);
  while (trainer.step() < total) {
    if (hooks.should_stop()) {
      if (!drain()) return finish(RunStatus::kDiverged);
      checkpoint();
      result.message = fmt::format("stopped at step {} of {}; checkpoint written", trainer.step(), total);
      log_info("{}", result.message);
      return finish(RunStatus::kStopped);
    }
    if (trainer.step() + 1 == nan_step) poison_weights(trainer);
    trainer.train_step();
    const int64_t s = trainer.step();
    if (s == total) break;
    const bool log = s % log_every == 0;
    const bool eval = spec.eval.every_steps > 0 && s % spec.eval.every_steps == 0;
    const bool ckpt = spec.checkpoint.every_steps > 0 && s % spec.checkpoint.every_steps == 0;
    if (!(log || eval || ckpt)) continue;
    if (!drain()) return finish(RunStatus::kDiverged);
    if ((log || eval) && leader) report(eval ? trainer.evaluate() : -1, last_lr, last_grad_norm);
    if (ckpt && leader) checkpoint();
  }
  if (!drain()) return finish(RunStatus::kDiverged);
  if (options.ranks != nullptr) {  // data parallel: every rank must end with the same weights
    if (!trainer.ranks_in_sync()) throw RunError("the data-parallel ranks ended with different weights");
    // The last collective: every rank closes its communicator now, together (NCCL's teardown waits for all
    // ranks), so the followers exit at once while rank 0 evaluates and reports.
    options.ranks->close();
    if (!leader) {
      result.message = fmt::format("rank {}: trained {} steps", options.ranks->rank(), trainer.step());
      return finish(RunStatus::kCompleted);
    }
  }
  const double eval_loss = trainer.evaluate();
  if (!std::isfinite(eval_loss)) {
    result.diverged_step = trainer.step();
    result.diverged_value = eval_loss;
    result.message = fmt::format("diverged: the final held-out loss is {}", eval_loss);
    return finish(RunStatus::kDiverged);
  }
  report(eval_loss, last_lr, last_grad_norm);
  result.final_eval_loss = eval_loss;
  result.message = fmt::format("completed {} steps, {} tokens: held-out loss {:.4f}", total, trainer.tokens(), eval_loss);
  log_info("{}", result.message);
  return finish(RunStatus::kCompleted);
}

}  // namespace lps::train
