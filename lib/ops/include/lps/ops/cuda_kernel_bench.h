// `lpsweep bench kernels`, the measuring part: each fused quantizer kernel's GB/s next to the
// device-to-device copy bandwidth measured in the same run, and linear layers (forward + backward) of the
// quantized schemes against BF16 at d = 1024, 2048, 4096 (M = 32768). Correctness is checked first (kernel
// vs reference bit for bit on a slice; GEMMs vs an FP64 product of the reference's dequantised operands).
// Needs a CUDA device; throws lps::Error (kRun) with "no CUDA device" otherwise.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lps::ops {

struct KernelBenchOptions {
  int64_t rows = 32768;                       // quantizer input [rows, cols], BF16
  int64_t cols = 4096;
  std::vector<int64_t> dims = {1024, 2048, 4096};  // linear layers d × d
  int64_t tokens = 32768;                     // M of the linear layers
  int warmup = 3;                             // untimed repetitions
  int iters = 20;                             // timed repetitions (mean)
  bool kernels = true;                        // run the quantizer section
  bool linears = true;                        // run the linear-layer section
};

struct KernelTiming {
  std::string name;        // e.g. "mxfp4 absmax_3_4 sr h32 rows"
  std::string rounding;    // "rtn" | "sr" (the goal differs)
  double ms = 0;           // mean time per call
  double bytes = 0;        // input read once + every output written once
  double gbps = 0;
  double of_copy = 0;      // gbps / copy gbps
  double goal = 0;         // 0.90 (RTN) or 0.85 (SR)
  bool correct = false;    // bit-exact against the reference on a slice
  std::string check;       // what the correctness check found
};

struct LinearTiming {
  std::string scheme;      // "quartet", "fp8"
  std::string path;        // "kernels" (MXFP4/FP8 tensor-core GEMMs) | "QuantLinear" (autograd op)
  int64_t d = 0;
  int64_t m = 0;
  double ms = 0;           // forward + backward
  double bf16_ms = 0;      // BF16 forward + backward, same shapes, same run
  double ratio = 0;        // ms / bf16_ms
  double goal = 0;         // goal ratio, 0 = none stated
  bool correct = false;
  std::string note;        // fallbacks, errors
};

struct KernelBenchReport {
  std::string device;
  double copy_gbps = 0;
  std::vector<KernelTiming> kernels;
  std::vector<LinearTiming> linears;
};

// Runs the benchmark; `progress` receives one line per step (may be empty).
[[nodiscard]] KernelBenchReport run_kernel_bench(const KernelBenchOptions& options,
                                                 const std::function<void(const std::string&)>& progress);

}  // namespace lps::ops
