// The optimizer step, evaluation and state round-trip of Trainer (trainer.h).
#include <lps/train/trainer.h>

#include "autocast_guard.h"
#include "gradient_buckets.h"
#include "host_batches.h"
#include "step_graph.h"

#include <lps/core/crash_point.h>
#include <lps/core/diagnostic.h>
#include <lps/core/error.h>
#include <lps/core/sha256.h>
#include <lps/ops/linear.h>
#include <lps/train/distributed.h>

#include <ATen/Context.h>
#include <ATen/DeviceAccelerator.h>
#include <c10/core/StreamGuard.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <cmath>
#include <optional>
#include <tuple>

namespace lps::train {

void TrainerOptions::validate() const {
  DiagnosticList problems;
  auto bad = [&](const char* key, std::string message) {
    problems.add({"<trainer>", 0, 0, key, std::move(message)});
  };
  if (batch_seqs < 1) bad("optim.batch_seqs", fmt::format("must be at least 1, got {}", batch_seqs));
  if (micro_batch_seqs < 0 || (micro_batch_seqs > 0 && batch_seqs % micro_batch_seqs != 0)) {
    bad("optim.micro_batch_seqs", fmt::format("must divide batch_seqs = {} (or be 0), got {}", batch_seqs, micro_batch_seqs));
  }
  if (seq_len < 1) bad("model.seq_len", fmt::format("must be at least 1, got {}", seq_len));
  if (!(schedule.lr > 0)) bad("optim.lr", fmt::format("must be positive, got {}", schedule.lr));
  if (schedule.total_steps < 1) bad("tokens", fmt::format("the run has {} optimizer steps; it needs at least 1", schedule.total_steps));
  if (!(beta1 >= 0 && beta1 < 1)) bad("optim.beta1", fmt::format("must be in [0, 1), got {}", beta1));
  if (!(beta2 >= 0 && beta2 < 1)) bad("optim.beta2", fmt::format("must be in [0, 1), got {}", beta2));
  if (weight_decay < 0) bad("optim.weight_decay", fmt::format("must be ≥ 0, got {}", weight_decay));
  if (eval_tokens < 1) bad("eval.tokens", fmt::format("must be at least 1, got {}", eval_tokens));
  problems.throw_if_any();
}

// Optimizer state and device-side bookkeeping.
class Trainer::Impl {
 public:
  struct Group {
    std::vector<torch::Tensor> params, exp_avg, exp_avg_sq, steps;
    std::vector<std::string> names;
    double weight_decay = 0;
  };
  std::vector<std::pair<std::string, torch::Tensor>> named;  // state-dict order
  Group decay, no_decay;
  std::vector<torch::Tensor> all_params;
  std::vector<StepRecord> pending;
  bool autocast = false;
  std::unique_ptr<HostBatches> host;
  std::vector<int32_t> cpu_buffer;
  // CUDA graph mode (options.cuda_graph): static inputs/outputs of the captured step.
  std::unique_ptr<StepGraph> graph;
  torch::Tensor static_tokens, lr_tensor, static_loss, static_grad_norm;
  int64_t eager_steps = 0;
  // Rows of each batch this process trains, and its micro-batch (the whole batch and micro_batch_seqs
  // unless data parallel).
  int64_t local_batch = 0, local_micro = 0;
  // Data parallel (join_ranks): the group, and the gradients as views of one flat buffer, all-reduced in
  // buckets during the last backward of each step (gradient_buckets.h).
  RankGroup* ranks = nullptr;
  std::unique_ptr<GradientBuckets> buckets;
  std::string crash_point;  // "train.ddp.step.rank<r>": fault-injection tests kill one rank at a step
};

namespace {

void add_to_group(Trainer::Impl::Group& g, const std::string& name, const torch::Tensor& p) {
  g.names.push_back(name);
  g.params.push_back(p);
  g.exp_avg.push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
  g.exp_avg_sq.push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
  g.steps.push_back(torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat32).device(p.device())));
}

// lr_tensor defined: the learning rate is read on the device (CUDA graph mode), else `lr`.
void adamw_group(Trainer::Impl::Group& g, const TrainerOptions& o, double lr, const torch::Tensor& lr_tensor) {
  if (g.params.empty()) return;
  std::vector<torch::Tensor> grads;
  grads.reserve(g.params.size());
  for (const auto& p : g.params) grads.push_back(p.mutable_grad());
  at::_foreach_add_(g.steps, 1);
  if (lr_tensor.defined()) {
    at::_fused_adamw_(g.params, grads, g.exp_avg, g.exp_avg_sq, /*max_exp_avg_sqs=*/{}, g.steps, lr_tensor, o.beta1,
                      o.beta2, g.weight_decay, o.eps, /*amsgrad=*/false, /*maximize=*/false);
  } else {
    at::_fused_adamw_(g.params, grads, g.exp_avg, g.exp_avg_sq, /*max_exp_avg_sqs=*/{}, g.steps, lr, o.beta1, o.beta2,
                      g.weight_decay, o.eps, /*amsgrad=*/false, /*maximize=*/false);
  }
}

[[nodiscard]] bool scheme_draws_randomness(const quant::Scheme& scheme) {
  for (const auto& op : scheme.operands) {
    if (!op.is_identity() && (op.rounding == quant::Rounding::kSr || op.random_signs)) return true;
  }
  return false;
}

// Waits for all work on the device (graph mode runs on a side stream; host reads must see its results).
void sync_device(const torch::Device& device) {
  if (device.is_cuda()) at::accelerator::synchronizeDevice(device.index() < 0 ? 0 : device.index());
}

torch::Tensor cpu_copy(const torch::Tensor& t) { return t.detach().to(torch::kCPU).clone(); }

}  // namespace

Trainer::Trainer(TrainerOptions options, model::ModelConfig config, data::TokenSource& source, torch::Device device)
    : options_(std::move(options)), device_(device), source_(source), impl_(std::make_unique<Impl>()) {
  options_.validate();
  if (options_.micro_batch_seqs == 0) options_.micro_batch_seqs = options_.batch_seqs;
  if (options_.precision == Precision::kBf16Autocast && !device_.is_cuda()) {
    throw Error(ErrorKind::kUserInput, "precision bf16 autocast needs a CUDA device; this run is on the CPU");
  }
  impl_->autocast = device_.is_cuda() && options_.precision != Precision::kFp32;
  impl_->local_batch = options_.batch_seqs;
  impl_->local_micro = options_.micro_batch_seqs;
  if (options_.deterministic) at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/false);
  LPS_CHECK(config.vocab_size == source.vocab_size(), "model vocabulary {} != data vocabulary {}", config.vocab_size,
            source.vocab_size());
  if (config.max_seq_len < options_.seq_len) config.max_seq_len = static_cast<int>(options_.seq_len);
  // Initialise on the CPU from the seeded default generator: the same weights on every device.
  torch::manual_seed(options_.seed);
  model_ = model::Transformer(config, torch::kCPU);
  model_->to(device_);
  impl_->decay.weight_decay = options_.weight_decay;
  for (const auto& item : model_->named_parameters()) {
    const auto& p = item.value();
    impl_->named.emplace_back(item.key(), p);
    impl_->all_params.push_back(p);
    const bool decays = p.dim() >= 2 && item.key() != "embed" && item.key() != "head";
    add_to_group(decays ? impl_->decay : impl_->no_decay, item.key(), p);
    p.mutable_grad() = torch::zeros_like(p);
  }
  if (options_.cuda_graph) {
    if (!device_.is_cuda()) {
      throw Error(ErrorKind::kUserInput, "CUDA graph capture (cuda_graph) needs a CUDA device; this run is on the CPU");
    }
    if (scheme_draws_randomness(config.scheme)) {
      // The step number that keys stochastic rounding is read on the host at launch; a replayed graph would
      // reuse the captured step's random draws.
      throw Error(ErrorKind::kUserInput, fmt::format("CUDA graph capture cannot run scheme '{}': it draws random "
                                                     "numbers per step (stochastic rounding or random signs)",
                                                     config.scheme.name));
    }
    impl_->graph = std::make_unique<StepGraph>(device_);
    const auto on_device = torch::TensorOptions().device(device_);
    impl_->static_tokens = torch::zeros({options_.batch_seqs, options_.seq_len + 1}, on_device.dtype(torch::kLong));
    impl_->lr_tensor = torch::zeros({}, on_device.dtype(torch::kFloat32));
  }
  if (device_.is_cuda()) {
    std::optional<c10::StreamGuard> on_side;
    if (impl_->graph) on_side.emplace(impl_->graph->stream());
    impl_->host = std::make_unique<HostBatches>(options_.batch_seqs, options_.seq_len + 1, device_);
  }
}

Trainer::~Trainer() = default;

void Trainer::train_step() {
  const int64_t B = impl_->local_batch, W = options_.seq_len + 1;
  // Data parallel: rank r trains windows [start + r·B, start + (r+1)·B) of the global batch — the rows a single
  // process would give that slice — and the position then moves past the whole global batch.
  const int64_t global_start = source_.position();
  if (impl_->ranks != nullptr) {
    LPS_CRASH_POINT(impl_->crash_point);
    source_.set_position(global_start + impl_->ranks->rank() * B);
  }
  auto next_global_batch = [&] {
    if (impl_->ranks != nullptr) source_.set_position(global_start + options_.batch_seqs);
  };
  if (impl_->host) {
    std::optional<c10::StreamGuard> on_side;
    if (impl_->graph) on_side.emplace(impl_->graph->stream());
    auto slot = impl_->host->acquire();  // a pinned buffer whose previous copy has finished
    source_.next_train(B, options_.seq_len, std::span<int32_t>(slot.data, static_cast<size_t>(B * W)));
    next_global_batch();
    train_step_on(impl_->host->upload(slot));
    return;
  }
  impl_->cpu_buffer.resize(static_cast<size_t>(B * W));
  source_.next_train(B, options_.seq_len, impl_->cpu_buffer);
  next_global_batch();
  train_step_on(torch::from_blob(impl_->cpu_buffer.data(), {B, W}, torch::kInt32));
}

void Trainer::train_step_on(const torch::Tensor& tokens_in) {
  const int64_t B = impl_->local_batch, T = options_.seq_len;
  TORCH_CHECK(tokens_in.dim() == 2 && tokens_in.size(0) == B && tokens_in.size(1) == T + 1,
              "train_step_on: tokens must be [", B, ", ", T + 1, "], got ", tokens_in.sizes());
  ops::set_quant_step(options_.seed, step_);
  const double lr = options_.schedule.at(step_);
  if (!impl_->graph) {
    auto [loss, grad_norm] = run_step(tokens_in.to(device_, torch::kLong), lr, torch::Tensor());
    impl_->pending.push_back({step_, lr, loss, grad_norm});
  } else {
    // Eager warm-up steps on the side stream (lazy initialisation of cuBLAS and friends), then one capture,
    // then replays; every variant reads the same static inputs.
    constexpr int64_t kEagerSteps = 3;
    c10::StreamGuard on_side(impl_->graph->stream());
    impl_->static_tokens.copy_(tokens_in, /*non_blocking=*/true);
    impl_->lr_tensor.fill_(lr);
    if (impl_->eager_steps < kEagerSteps) {
      ++impl_->eager_steps;
      auto [loss, grad_norm] = run_step(impl_->static_tokens, lr, impl_->lr_tensor);
      impl_->pending.push_back({step_, lr, loss, grad_norm});
    } else {
      if (!impl_->graph->captured()) {
        impl_->graph->capture([&] {
          std::tie(impl_->static_loss, impl_->static_grad_norm) = run_step(impl_->static_tokens, lr, impl_->lr_tensor);
        });
      }
      impl_->graph->replay();
      impl_->pending.push_back({step_, lr, impl_->static_loss.clone(), impl_->static_grad_norm.clone()});
    }
  }
  ++step_;
  tokens_ += options_.batch_seqs * T;  // the global batch (all ranks together)
}

std::pair<torch::Tensor, torch::Tensor> Trainer::run_step(const torch::Tensor& tokens, double lr,
                                                          const torch::Tensor& lr_tensor) {
  const int64_t B = impl_->local_batch, T = options_.seq_len, micro = impl_->local_micro;
  if (impl_->buckets) {
    impl_->buckets->zero();
  } else {
    for (auto& p : impl_->all_params) p.mutable_grad().zero_();
  }
  const int64_t n_micro = B / micro;
  torch::Tensor loss_sum, mean_loss;
  for (int64_t m = 0; m < n_micro; ++m) {
    const auto chunk = tokens.narrow(0, m * micro, micro);
    torch::Tensor loss;
    {
      AutocastGuard guard(impl_->autocast);
      loss = model_->loss(chunk.narrow(1, 0, T), chunk.narrow(1, 1, T));
    }
    const auto detached = loss.detach();
    loss_sum = m == 0 ? detached.clone() : loss_sum + detached;
    if (m + 1 == n_micro) {
      mean_loss = loss_sum / static_cast<double>(n_micro);
      // Data parallel: the last backward all-reduces each bucket of gradients (and the loss) once ready.
      if (impl_->buckets) impl_->buckets->arm(mean_loss);
    }
    (n_micro == 1 ? loss : loss / static_cast<double>(n_micro)).backward();
  }
  // Data parallel: the sum of every rank's gradients and loss, divided by the world size — the mean over the
  // global batch.
  if (impl_->buckets) mean_loss = impl_->buckets->finish();
  std::vector<torch::Tensor> grads;
  grads.reserve(impl_->all_params.size());
  for (const auto& p : impl_->all_params) grads.push_back(p.grad());
  const auto norms = at::_foreach_norm(grads, 2);
  const auto grad_norm = torch::linalg_vector_norm(torch::stack(norms), 2);
  if (options_.grad_clip > 0) {
    const auto coef = torch::clamp_max(options_.grad_clip / (grad_norm + 1e-6), 1.0);
    at::_foreach_mul_(grads, coef);
  }
  adamw_group(impl_->decay, options_, lr, lr_tensor);
  adamw_group(impl_->no_decay, options_, lr, lr_tensor);
  return {mean_loss, grad_norm};
}

std::vector<StepValues> Trainer::flush_metrics() {
  std::vector<StepValues> out;
  if (impl_->pending.empty()) return out;
  sync_device(device_);
  std::vector<torch::Tensor> losses, norms;
  for (const auto& r : impl_->pending) {
    losses.push_back(r.loss);
    norms.push_back(r.grad_norm);
  }
  const auto l = torch::stack(losses).to(torch::kCPU, torch::kDouble);
  const auto n = torch::stack(norms).to(torch::kCPU, torch::kDouble);
  for (size_t i = 0; i < impl_->pending.size(); ++i) {
    out.push_back({impl_->pending[i].step, impl_->pending[i].lr, l[static_cast<int64_t>(i)].item<double>(),
                   n[static_cast<int64_t>(i)].item<double>()});
  }
  impl_->pending.clear();
  return out;
}

double Trainer::evaluate() {
  const int64_t T = options_.seq_len, micro = options_.micro_batch_seqs;
  int64_t windows = (options_.eval_tokens + T - 1) / T;
  if (const auto available = source_.heldout_windows(T); available.has_value()) {
    windows = std::min(windows, *available);
    if (windows == 0) throw Error(ErrorKind::kUserInput, "the held-out split holds no full sequence; raise data.heldout_fraction");
  }
  sync_device(device_);
  torch::NoGradGuard no_grad;
  std::vector<int32_t> buffer;
  double weighted = 0;
  for (int64_t first = 0; first < windows; first += micro) {
    const int64_t n = std::min(micro, windows - first);
    buffer.resize(static_cast<size_t>(n * (T + 1)));
    source_.heldout(first, n, T, buffer);
    const auto tokens = torch::from_blob(buffer.data(), {n, T + 1}, torch::kInt32).to(device_, torch::kLong);
    AutocastGuard guard(impl_->autocast);
    const auto loss = model_->loss(tokens.narrow(1, 0, T), tokens.narrow(1, 1, T));
    weighted += loss.item<double>() * static_cast<double>(n);
  }
  return weighted / static_cast<double>(windows);
}

std::vector<char> Trainer::save_state() const {
  sync_device(device_);
  c10::Dict<std::string, torch::Tensor> state;
  for (const auto& [name, p] : impl_->named) state.insert("model." + name, cpu_copy(p));
  for (const auto* g : {&impl_->decay, &impl_->no_decay}) {
    for (size_t i = 0; i < g->params.size(); ++i) {
      state.insert("adam.exp_avg." + g->names[i], cpu_copy(g->exp_avg[i]));
      state.insert("adam.exp_avg_sq." + g->names[i], cpu_copy(g->exp_avg_sq[i]));
      state.insert("adam.step." + g->names[i], cpu_copy(g->steps[i]));
    }
  }
  state.insert("trainer.step", torch::tensor(step_, torch::kLong));
  state.insert("trainer.tokens", torch::tensor(tokens_, torch::kLong));
  state.insert("data.position", torch::tensor(source_.position(), torch::kLong));
  state.insert("quant.seed", torch::tensor(static_cast<int64_t>(options_.seed), torch::kLong));
  state.insert("rng.cpu", at::detail::getDefaultCPUGenerator().get_state());
  if (device_.is_cuda()) state.insert("rng.cuda", at::globalContext().defaultGenerator(device_).get_state());
  return torch::pickle_save(state);
}

void Trainer::load_state(const std::vector<char>& bytes) {
  c10::Dict<std::string, torch::Tensor> state;
  try {
    state = c10::impl::toTypedDict<std::string, torch::Tensor>(torch::pickle_load(bytes).toGenericDict());
  } catch (const std::exception& e) {
    throw RunError(fmt::format("checkpoint is not a trainer state: {}", e.what()));
  }
  auto get = [&](const std::string& key) -> torch::Tensor {
    const auto it = state.find(key);
    if (it == state.end()) throw RunError(fmt::format("checkpoint lacks '{}' (another model or version?)", key));
    return it->value();
  };
  sync_device(device_);
  torch::NoGradGuard no_grad;
  auto restore = [&](torch::Tensor& dst, const std::string& key) {
    const auto src = get(key);
    if (src.sizes() != dst.sizes()) {
      throw RunError(fmt::format("checkpoint '{}' has shape {} but the model needs {}", key,
                                 fmt::join(src.sizes(), "x"), fmt::join(dst.sizes(), "x")));
    }
    dst.copy_(src);
  };
  for (auto& [name, p] : impl_->named) restore(p, "model." + name);
  for (auto* g : {&impl_->decay, &impl_->no_decay}) {
    for (size_t i = 0; i < g->params.size(); ++i) {
      restore(g->exp_avg[i], "adam.exp_avg." + g->names[i]);
      restore(g->exp_avg_sq[i], "adam.exp_avg_sq." + g->names[i]);
      restore(g->steps[i], "adam.step." + g->names[i]);
    }
  }
  step_ = get("trainer.step").item<int64_t>();
  tokens_ = get("trainer.tokens").item<int64_t>();
  source_.set_position(get("data.position").item<int64_t>());
  at::Generator cpu_generator = at::detail::getDefaultCPUGenerator();
  cpu_generator.set_state(get("rng.cpu"));
  if (device_.is_cuda() && state.contains("rng.cuda")) {
    at::Generator cuda_generator = at::globalContext().defaultGenerator(device_);
    cuda_generator.set_state(get("rng.cuda"));
  }
  impl_->pending.clear();
  sync_device(device_);
}

std::string Trainer::params_sha256() const {
  sync_device(device_);
  Sha256 hash;
  for (const auto& [name, p] : impl_->named) {
    const auto cpu = p.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    hash.update(name);
    hash.update(cpu.data_ptr(), static_cast<size_t>(cpu.numel()) * sizeof(float));
  }
  return to_hex(hash.finish());
}

// ---- Data parallel (distributed.h; added by the data-parallel issue) ----------------------------------

void Trainer::join_ranks(RankGroup& group) {
  LPS_CHECK(impl_->ranks == nullptr, "Trainer::join_ranks called twice");
  const int world = group.world();
  const int64_t B = options_.batch_seqs, micro = options_.micro_batch_seqs;
  if (options_.cuda_graph) {
    throw Error(ErrorKind::kUserInput, "CUDA graph capture is not available for data-parallel runs (train.ranks > 1)");
  }
  if (B % world != 0) {
    throw Error(ErrorKind::kUserInput, fmt::format("train.batch_seqs ({}) must be divisible by train.ranks ({})", B, world));
  }
  const int64_t local = B / world;
  const int64_t local_micro = micro == B ? local : micro;  // no accumulation stays no accumulation
  if (local % local_micro != 0) {
    throw Error(ErrorKind::kUserInput, fmt::format("train.micro_batch_seqs ({}) must divide the sequences of each rank "
                                                   "(batch_seqs / ranks = {} / {} = {})", micro, B, world, local));
  }
  group.connect(device_);
  torch::NoGradGuard no_grad;
  // Every rank starts from rank 0's state: the same weights and optimizer moments bit for bit (also after a
  // resume, which only rank 0 reads from its checkpoint), and the same counters.
  auto broadcast = [&](torch::Tensor t) { group.broadcast_from_rank0(t); };
  for (auto& [name, p] : impl_->named) broadcast(p);
  for (auto* g : {&impl_->decay, &impl_->no_decay}) {
    for (size_t i = 0; i < g->params.size(); ++i) {
      broadcast(g->exp_avg[i]);
      broadcast(g->exp_avg_sq[i]);
      broadcast(g->steps[i]);
    }
  }
  auto counters = torch::tensor({step_, tokens_, source_.position()}, torch::kLong).to(device_);
  broadcast(counters);
  const auto host_counters = counters.to(torch::kCPU);
  step_ = host_counters[0].item<int64_t>();
  tokens_ = host_counters[1].item<int64_t>();
  source_.set_position(host_counters[2].item<int64_t>());
  // All gradients as views of one buffer, all-reduced in buckets during the backward (gradient_buckets.h).
  impl_->buckets = std::make_unique<GradientBuckets>(impl_->all_params, group, device_);
  impl_->local_batch = local;
  impl_->local_micro = local_micro;
  if (device_.is_cuda()) impl_->host = std::make_unique<HostBatches>(local, options_.seq_len + 1, device_);
  impl_->crash_point = fmt::format("train.ddp.step.rank{}", group.rank());
  impl_->ranks = &group;
}

int64_t Trainer::gradient_buckets() const { return impl_->buckets ? impl_->buckets->buckets() : 0; }

int64_t Trainer::buckets_started_during_backward() const {
  return impl_->buckets ? impl_->buckets->started_during_backward() : 0;
}

bool Trainer::ranks_in_sync() {
  LPS_CHECK(impl_->ranks != nullptr, "ranks_in_sync before join_ranks");
  torch::NoGradGuard no_grad;
  // Σ over parameters of (Σ p + Σ p²) in FP64: bit-equal weights give bit-equal sums on the same kind of device.
  auto fingerprint = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device_));
  for (const auto& p : impl_->all_params) {
    const auto d = p.detach().to(torch::kDouble);
    fingerprint += d.sum() + d.square().sum();
  }
  return impl_->ranks->same_on_all_ranks(fingerprint.item<double>());
}

}  // namespace lps::train
