// `lpsweep bench kernels`: each fused quantizer kernel's GB/s next to the device-to-device copy bandwidth of
// the same run, and the quantized linear layers (forward + backward) against BF16. Prints a table; --json
// writes the numbers. Fails cleanly ("no CUDA device") where there is no GPU.
#include "bench_commands.h"
#include "text_file.h"
#include "commands.h"

#include <lps/core/error.h>

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#if defined(LPS_HAVE_TORCH) && defined(LPS_OPS_CUDA_QUANTIZE)
#include <lps/ops/cuda_kernel_bench.h>
#define LPS_BENCH_KERNELS 1
#endif

namespace lps::cli {
namespace {

struct BenchKernelsArgs {
  int64_t rows = 32768;
  int64_t cols = 4096;
  std::vector<int64_t> dims{1024, 2048, 4096};
  int64_t tokens = 32768;
  int iters = 20;
  int warmup = 3;
  bool no_linears = false;
  bool no_kernels = false;
  std::string json;
};

#ifdef LPS_BENCH_KERNELS
std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out;
}

std::string to_json(const ops::KernelBenchReport& r) {
  std::string s = fmt::format("{{\n  \"device\": \"{}\",\n  \"copy_gbps\": {:.1f},\n  \"kernels\": [", json_escape(r.device),
                              r.copy_gbps);
  for (size_t i = 0; i < r.kernels.size(); ++i) {
    const auto& k = r.kernels[i];
    s += fmt::format("{}\n    {{\"name\": \"{}\", \"rounding\": \"{}\", \"ms\": {:.5f}, \"bytes\": {:.0f}, \"gbps\": {:.1f}, "
                     "\"of_copy\": {:.4f}, \"goal\": {:.2f}, \"correct\": {}, \"check\": \"{}\"}}",
                     i ? "," : "", json_escape(k.name), k.rounding, k.ms, k.bytes, k.gbps, k.of_copy, k.goal,
                     k.correct ? "true" : "false", json_escape(k.check));
  }
  s += "\n  ],\n  \"linears\": [";
  for (size_t i = 0; i < r.linears.size(); ++i) {
    const auto& l = r.linears[i];
    s += fmt::format("{}\n    {{\"scheme\": \"{}\", \"path\": \"{}\", \"d\": {}, \"m\": {}, \"ms\": {:.4f}, \"bf16_ms\": {:.4f}, "
                     "\"ratio\": {:.4f}, \"goal\": {:.2f}, \"correct\": {}, \"note\": \"{}\"}}",
                     i ? "," : "", l.scheme, l.path, l.d, l.m, l.ms, l.bf16_ms, l.ratio, l.goal,
                     l.correct ? "true" : "false", json_escape(l.note));
  }
  s += "\n  ]\n}\n";
  return s;
}

void print_table(const ops::KernelBenchReport& r) {
  std::printf("device: %s\ndevice-to-device copy: %.0f GB/s\n\n", r.device.c_str(), r.copy_gbps);
  if (!r.kernels.empty()) {
    std::printf("%-52s %9s %9s %8s %6s %s\n", "fused quantizer (BF16 in)", "ms", "GB/s", "of copy", "goal", "correct");
    for (const auto& k : r.kernels) {
      std::printf("%-52s %9.4f %9.0f %7.0f%% %5.0f%% %s%s\n", k.name.c_str(), k.ms, k.gbps, 100 * k.of_copy,
                  100 * k.goal, k.correct ? "yes" : "NO: ", k.correct ? "" : k.check.c_str());
    }
    std::printf("\n");
  }
  if (!r.linears.empty()) {
    std::printf("%-8s %-12s %5s %6s %9s %9s %7s %6s %s\n", "scheme", "path", "d", "M", "ms", "bf16 ms", "ratio", "goal",
                "correct / note");
    for (const auto& l : r.linears) {
      const std::string goal = l.goal > 0 ? fmt::format("{:.2f}x", l.goal) : "-";
      std::printf("%-8s %-12s %5lld %6lld %9.3f %9.3f %6.2fx %6s %s %s\n", l.scheme.c_str(), l.path.c_str(),
                  static_cast<long long>(l.d), static_cast<long long>(l.m), l.ms, l.bf16_ms, l.ratio, goal.c_str(),
                  l.correct ? "yes" : "NO", l.note.c_str());
    }
  }
}
#endif

void run_bench_kernels(const BenchKernelsArgs& a) {
#ifdef LPS_BENCH_KERNELS
  ops::KernelBenchOptions o;
  o.rows = a.rows;
  o.cols = a.cols;
  o.dims = a.dims;
  o.tokens = a.tokens;
  o.iters = a.iters;
  o.warmup = a.warmup;
  o.kernels = !a.no_kernels;
  o.linears = !a.no_linears;
  const auto report = ops::run_kernel_bench(o, [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); });
  print_table(report);
  if (!a.json.empty()) {
    write_text_file(a.json, to_json(report));
  }
  bool all_correct = true;
  for (const auto& k : report.kernels) all_correct &= k.correct;
  for (const auto& l : report.linears) all_correct &= l.correct;
  if (!all_correct) throw RunError("some results failed their correctness check (marked NO above)");
#else
  (void)a;
  throw RunError("no CUDA device support in this build: `lpsweep bench kernels` needs LibTorch with CUDA and nvcc");
#endif
}

}  // namespace

void add_bench_kernels(CLI::App& bench) {
  auto args = std::make_shared<BenchKernelsArgs>();
  auto* cmd = bench.add_subcommand("kernels", "Quantizer kernels (GB/s vs device copy) and quantized linear layers vs BF16");
  cmd->add_option("--rows", args->rows, "quantizer input rows (BF16 matrix)")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--cols", args->cols, "quantizer input columns (multiple of 128)")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--dims", args->dims, "linear layer sizes d (d x d weights)")->capture_default_str();
  cmd->add_option("--tokens", args->tokens, "M, rows of the linear layers' activations")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--iters", args->iters, "timed repetitions")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--warmup", args->warmup, "untimed repetitions")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-linears", args->no_linears, "skip the linear-layer section");
  cmd->add_flag("--no-kernels", args->no_kernels, "skip the quantizer section");
  cmd->add_option("--json", args->json, "also write the results as JSON to this path");
  cmd->callback([args] { run_bench_kernels(*args); });
}

}  // namespace lps::cli
