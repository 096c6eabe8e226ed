// `lpsweep bench train` (cmd_bench_train.cc): training throughput (tokens/s) and MFU of model presets on this machine, beside the
// PyTorch reference (analysis/reference/bench.py) in eager and torch.compile mode, measured in the same
// invocation on the same device. Synthetic tokens; BF16 autocast on GPU; fused AdamW; the real trainer step.
#include "bench_commands.h"
#include "text_file.h"
#include "commands.h"

#include <lps/core/clock.h>
#include <lps/core/error.h>
#include <lps/core/log.h>

#if defined(LPS_HAVE_TORCH)
#include <lps/data/synthetic_source.h>
#include <lps/model/model_config.h>
#include <lps/ops/device.h>
#include <lps/ops/fused.h>
#include <lps/quant/scheme.h>
#include <lps/train/trainer.h>

#include <torch/torch.h>
#endif

#include <fmt/format.h>
#include <fmt/ranges.h>

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
  std::vector<std::string> schemes{"bf16"};  // precision presets; the first is the baseline of the ratios
  std::string speedup_csv;                   // write measured speedups vs the first scheme (lpsweep recommend)
  std::string fused = "auto";                // our fused model kernels on GPU: auto (LPS_FUSED_KERNELS) | on | off | both
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

// The device name as one CSV field (no quoting needed).
[[nodiscard]] std::string csv_safe(std::string s) {
  for (char& c : s) {
    if (c == ',' || c == '"' || c == '\n') c = ' ';
  }
  return s;
}

struct OursResult {
  double tokens_per_s = 0;
  double mfu = -1;
  int64_t n_params = 0;
};

[[nodiscard]] OursResult bench_ours(const BenchTrainArgs& a, const std::string& preset, const std::string& scheme,
                                    torch::Device device, double peak) {
  auto config = model::preset_config(preset);  // both names were checked by check_names
  LPS_CHECK(config.has_value());
  config->scheme = quant::preset_scheme(scheme).value();
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

// Every preset and scheme name, before anything is timed: an unknown one fails at once, not minutes in.
void check_names(const BenchTrainArgs& a) {
  for (const auto& preset : a.presets) {
    if (!model::preset_config(preset)) throw Error(ErrorKind::kUserInput, fmt::format("bench train: unknown preset '{}'", preset));
  }
  for (const auto& scheme : a.schemes) {
    if (!quant::preset_scheme(scheme)) {
      throw Error(ErrorKind::kUserInput, fmt::format("bench train: unknown scheme '{}' (presets: {})", scheme,
                                                     fmt::join(quant::preset_names(), ", ")));
    }
  }
}
#endif

void run_bench_train(const BenchTrainArgs& a) {
#if !defined(LPS_HAVE_TORCH)
  throw Error(ErrorKind::kUserInput, "bench train needs a build with LibTorch");
#else
  check_names(a);
  const torch::Device device = a.device == "auto"
                                   ? (ops::cuda_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU))
                                   : torch::Device(a.device);
  const std::string name = device.is_cuda() ? ops::device_name(device.index() < 0 ? 0 : device.index()) : "cpu";
  const double peak = device.is_cuda() ? peak_flops(name, a.peak_tflops) : 0;
  fmt::print("bench train on {} — seq {}, {} sequences/step{}, vocabulary {}, {}, {} timed steps after {} warm-up{}\n",
             name, a.seq, a.batch, a.micro > 0 ? fmt::format(" (micro {})", a.micro) : "", a.vocab,
             device.is_cuda() ? "BF16 autocast" : "FP32", a.steps, a.warmup, a.cuda_graph ? ", CUDA graph" : "");
  if (peak > 0) fmt::print("MFU against {:.0f} TFLOP/s dense BF16 (training FLOPs = 3 × forward, attention included)\n", peak / 1e12);
  fmt::print("{:>6} {:>10} {:>5} {:>12} {:>14} {:>7} {:>9} {:>14} {:>14} {:>10}\n", "preset", "scheme", "fused", "N",
             "lpsweep tok/s", "MFU", "vs " + a.schemes.front(), "torch eager", "torch compile", "vs compile");
  std::string csv = "N_params,config,forward_speedup,backward_speedup,tokens_per_s,baseline_tokens_per_s,device\n";
  // The fused-kernel variants to time, in order (the last one feeds the Python comparison and the CSV).
  std::vector<bool> variants{ops::fused_kernels_enabled()};
  if (a.fused == "on" || a.fused == "off") variants = {a.fused == "on"};
  if (a.fused == "both") variants = {false, true};
  for (const auto& preset : a.presets) {
    for (size_t vi = 0; vi < variants.size(); ++vi) {
      ops::set_fused_kernels_enabled(variants[vi]);
      const bool last_variant = vi + 1 == variants.size();
      const std::string fused_label = !device.is_cuda() || !ops::kernels_compiled() ? "-" : variants[vi] ? "on" : "off";
      double baseline = 0;
      for (size_t si = 0; si < a.schemes.size(); ++si) {
        const std::string& scheme = a.schemes[si];
        const OursResult ours = bench_ours(a, preset, scheme, device, peak);
        // The Python baseline runs in another process on the same GPU: give it the memory our trainer cached
        // (on an H100 the 200M eager baseline ran out of memory beside our 41 GB cache).
        ops::release_cuda_cache();
        if (si == 0) baseline = ours.tokens_per_s;
        // The reference is BF16 only: compare it with the baseline scheme's row.
        std::optional<double> eager, compiled;
        if (!a.python.empty() && si == 0 && last_variant) {
          eager = python_tokens_per_s(a, preset, "eager");
          compiled = python_tokens_per_s(a, preset, "compile");
        }
        auto show = [](const std::optional<double>& v) { return v ? fmt::format("{:.0f}", *v) : std::string("-"); };
        const double ratio = ours.tokens_per_s / baseline;
        fmt::print("{:>6} {:>10} {:>5} {:>12} {:>14.0f} {:>7} {:>9} {:>14} {:>14} {:>10}\n", preset, scheme, fused_label,
                   ours.n_params, ours.tokens_per_s, ours.mfu >= 0 ? fmt::format("{:.1f}%", 100 * ours.mfu) : "-",
                   fmt::format("{:.2f}×", ratio), show(eager), show(compiled),
                   compiled ? fmt::format("{:.2f}×", ours.tokens_per_s / *compiled) : "-");
        std::fflush(stdout);
        if (!last_variant) continue;
        // A whole-step ratio: the same speedup for the forward and the backward part of the step.
        // Labelled as the fit labels a sweep's schemes: the scheme's name on the quantized side(s), the
        // baseline's on the other, e.g. quest_fwd/bf16.
        const quant::QuantizedSides sides = quant::quantized_sides(*quant::preset_scheme(scheme));
        const std::string& base = a.schemes.front();
        csv += fmt::format("{},{}/{},{:.6g},{:.6g},{:.6g},{:.6g},{}\n", ours.n_params, sides.fwd ? scheme : base,
                           sides.bwd ? scheme : base, ratio, ratio, ours.tokens_per_s, baseline, csv_safe(name));
      }
    }
  }
  if (!a.speedup_csv.empty()) {
    write_text_file(a.speedup_csv, csv);
    fmt::print("measured speedups vs {} written to {} (lpsweep recommend --speedups table --speedup-csv {})\n",
               a.schemes.front(), a.speedup_csv, a.speedup_csv);
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
  cmd->add_option("--schemes", args->schemes, "Precision presets to time (the first is the baseline of the ratios)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--speedup-csv", args->speedup_csv,
                  "Write the measured tokens/s ratios vs the first scheme as a speedup table for "
                  "`lpsweep recommend --speedups table`");
  cmd->add_option("--fused-kernels", args->fused,
                  "Our fused RMSNorm/RoPE/SwiGLU/cross-entropy kernels on GPU: auto (env LPS_FUSED_KERNELS, default "
                  "on) | on | off | both (a row each; the Python reference and --speedup-csv use the 'on' row)")
      ->check(CLI::IsMember({"auto", "on", "off", "both"}))
      ->capture_default_str();
  cmd->callback([args] { run_bench_train(*args); });
}

}  // namespace lps::cli
