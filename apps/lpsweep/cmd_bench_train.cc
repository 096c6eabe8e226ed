// `lpsweep bench train` (cmd_bench_train.cc): training throughput (tokens/s) and MFU of model presets on this machine, beside the
// PyTorch reference (analysis/reference/bench.py) in eager and torch.compile mode, measured in the same
// invocation on the same device. Synthetic tokens; BF16 autocast on GPU; fused AdamW; the real trainer step.
#include "bench_commands.h"
#include "commands.h"

#include <lps/core/clock.h>
#include <lps/core/error.h>
#include <lps/core/log.h>

#if defined(LPS_HAVE_TORCH)
#include <lps/data/synthetic_source.h>
#include <lps/model/model_config.h>
#include <lps/ops/device.h>
#include <lps/train/trainer.h>

#include <torch/torch.h>
#endif

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <filesystem>
#include <memory>
#include <sstream>

namespace lps::cli {
namespace {

struct BenchTrainArgs {
  std::vector<std::string> presets{"30M", "100M", "200M"};
  int64_t seq = 512;
  int64_t batch = 64;
  int64_t micro = 0;
  int vocab = 32000;
  int64_t steps = 20;
  int64_t warmup = 5;
  std::string python;        // python executable with torch; "" = skip the reference
  std::string reference;     // analysis/reference/bench.py; "" = beside this source file in the checkout
  bool cuda_graph = false;
  double peak_tflops = 0;    // 0 = from the device name (H100/H200 SXM: 989 dense BF16)
  std::string device = "auto";
};

#if defined(LPS_HAVE_TORCH)
[[nodiscard]] double peak_flops(const std::string& device_name, double override_tflops) {
  if (override_tflops > 0) return override_tflops * 1e12;
  if (device_name.find("H100") != std::string::npos && device_name.find("PCIe") != std::string::npos) return 756e12;
  if (device_name.find("H100") != std::string::npos || device_name.find("H200") != std::string::npos) return 989e12;
  if (device_name.find("A100") != std::string::npos) return 312e12;
  return 0;
}

// Runs the Python reference for one preset and mode; nullopt (with a logged reason) when it fails.
[[nodiscard]] std::optional<double> python_tokens_per_s(const BenchTrainArgs& a, const std::string& preset,
                                                        const std::string& mode) {
  // CMake compiles with absolute source paths, so the checkout's reference sits relative to this file.
  const std::filesystem::path script =
      !a.reference.empty() ? std::filesystem::path(a.reference)
                           : std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "analysis" / "reference" / "bench.py";
  const std::string command =
      fmt::format("'{}' '{}' --preset {} --mode {} --seq {} --batch {} --micro {} --vocab {} --steps {} --warmup {} 2>&1",
                  a.python, script.string(), preset, mode, a.seq, a.batch, a.micro, a.vocab, a.steps, a.warmup);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  const int status = ::pclose(pipe);
  std::istringstream lines(output);
  std::string line, last_json;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.front() == '{') last_json = line;
  }
  if (status != 0 || last_json.empty()) {
    log_warn("python reference ({} {}) failed: {}", preset, mode, output.substr(output.size() > 2000 ? output.size() - 2000 : 0));
    return std::nullopt;
  }
  // The reference prints one flat JSON object; only this number is needed.
  const std::string key = "\"tokens_per_s\": ";
  const size_t at = last_json.find(key);
  if (at == std::string::npos) return std::nullopt;
  return std::strtod(last_json.c_str() + at + key.size(), nullptr);
}

struct OursResult {
  double tokens_per_s = 0;
  double mfu = -1;
  int64_t n_params = 0;
};

[[nodiscard]] OursResult bench_ours(const BenchTrainArgs& a, const std::string& preset, torch::Device device,
                                    double peak) {
  auto config = model::preset_config(preset);
  if (!config) throw Error(ErrorKind::kUserInput, fmt::format("bench train: unknown preset '{}'", preset));
  config->vocab_size = a.vocab;
  config->max_seq_len = static_cast<int>(a.seq);
  data::SyntheticSource source({.vocab_size = a.vocab, .order = 4, .seed = 0});
  train::TrainerOptions o;
  o.batch_seqs = a.batch;
  o.micro_batch_seqs = a.micro;
  o.seq_len = a.seq;
  o.schedule = {.lr = 1e-4, .total_steps = a.warmup + a.steps + 1, .warmup_steps = 1};
  o.cuda_graph = a.cuda_graph;
  train::Trainer trainer(o, *config, source, device);
  for (int64_t i = 0; i < a.warmup; ++i) trainer.train_step();
  (void)trainer.flush_metrics();  // waits for the device
  Stopwatch clock;
  for (int64_t i = 0; i < a.steps; ++i) trainer.train_step();
  (void)trainer.flush_metrics();
  const double seconds = clock.seconds();
  OursResult r;
  r.tokens_per_s = static_cast<double>(a.steps * a.batch * a.seq) / seconds;
  r.n_params = trainer.model()->non_embedding_params();
  if (peak > 0) r.mfu = r.tokens_per_s * 3.0 * trainer.model()->forward_flops_per_token(a.seq) / peak;
  return r;
}
#endif

void run_bench_train(const BenchTrainArgs& a) {
#if !defined(LPS_HAVE_TORCH)
  throw Error(ErrorKind::kUserInput, "bench train needs a build with LibTorch");
#else
  const torch::Device device = a.device == "auto"
                                   ? (ops::cuda_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU))
                                   : torch::Device(a.device);
  const std::string name = device.is_cuda() ? ops::device_name(device.index() < 0 ? 0 : device.index()) : "cpu";
  const double peak = device.is_cuda() ? peak_flops(name, a.peak_tflops) : 0;
  fmt::print("bench train on {} — seq {}, {} sequences/step{}, vocabulary {}, {}, {} timed steps after {} warm-up{}\n",
             name, a.seq, a.batch, a.micro > 0 ? fmt::format(" (micro {})", a.micro) : "", a.vocab,
             device.is_cuda() ? "BF16 autocast" : "FP32", a.steps, a.warmup, a.cuda_graph ? ", CUDA graph" : "");
  if (peak > 0) fmt::print("MFU against {:.0f} TFLOP/s dense BF16 (training FLOPs = 3 × forward, attention included)\n", peak / 1e12);
  fmt::print("{:>6} {:>12} {:>14} {:>7} {:>14} {:>14} {:>10}\n", "preset", "N", "lpsweep tok/s", "MFU", "torch eager",
             "torch compile", "vs compile");
  for (const auto& preset : a.presets) {
    const OursResult ours = bench_ours(a, preset, device, peak);
    std::optional<double> eager, compiled;
    if (!a.python.empty()) {
      eager = python_tokens_per_s(a, preset, "eager");
      compiled = python_tokens_per_s(a, preset, "compile");
    }
    auto show = [](const std::optional<double>& v) { return v ? fmt::format("{:.0f}", *v) : std::string("-"); };
    fmt::print("{:>6} {:>12} {:>14.0f} {:>7} {:>14} {:>14} {:>10}\n", preset, ours.n_params, ours.tokens_per_s,
               ours.mfu >= 0 ? fmt::format("{:.1f}%", 100 * ours.mfu) : "-", show(eager), show(compiled),
               compiled ? fmt::format("{:.2f}×", ours.tokens_per_s / *compiled) : "-");
    std::fflush(stdout);
  }
#endif
}

}  // namespace

void add_bench_train(CLI::App& bench) {
  auto args = std::make_shared<BenchTrainArgs>();
  auto* cmd = bench.add_subcommand("train", "Training tokens/s and MFU of model presets, beside the PyTorch reference");
  cmd->add_option("--presets", args->presets, "Model presets (30M 50M 100M 200M 430M 800M tiny ...)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--seq", args->seq, "Sequence length")->capture_default_str();
  cmd->add_option("--batch", args->batch, "Sequences per optimizer step")->capture_default_str();
  cmd->add_option("--micro", args->micro, "Sequences per forward/backward (0 = batch)")->capture_default_str();
  cmd->add_option("--vocab", args->vocab, "Vocabulary size")->capture_default_str();
  cmd->add_option("--steps", args->steps, "Timed optimizer steps")->capture_default_str();
  cmd->add_option("--warmup", args->warmup, "Untimed steps first")->capture_default_str();
  cmd->add_option("--python", args->python, "Python with PyTorch: also time analysis/reference/bench.py (eager, compile)");
  cmd->add_option("--reference", args->reference, "Path of analysis/reference/bench.py (default: in this checkout)");
  cmd->add_flag("--cuda-graph", args->cuda_graph, "Capture each training step as a CUDA graph");
  cmd->add_option("--peak-tflops", args->peak_tflops, "Peak dense BF16 TFLOP/s for MFU (default: from the GPU name)");
  cmd->add_option("--device", args->device, "auto | cpu | cuda | cuda:N")->capture_default_str();
  cmd->callback([args] { run_bench_train(*args); });
}

}  // namespace lps::cli
