// The measuring part of `lpsweep bench kernels` (see cuda_kernel_bench.h): CUDA-event timings of the
// fused quantizers against a device-to-device copy, and of quantized linear layers against BF16, each
// after a correctness check against the C++ reference.
#include <lps/ops/cuda_kernel_bench.h>

#include "cuda_operand.h"

#include <lps/core/error.h>
#include <lps/kernels/quantize.h>
#include <lps/ops/cuda_gemm.h>
#include <lps/ops/cuda_quantize.h>
#include <lps/ops/device.h>
#include <lps/ops/quant_linear.h>
#include <lps/quant/counter_rng.h>
#include <lps/quant/quantizer.h>

#include <ATen/ATen.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <array>
#include <cstring>
#include <map>

namespace lps::ops {
namespace {

using quant::Format;
using quant::OperandQuant;
using quant::Rounding;
using quant::ScaleRule;

constexpr double kRtnGoal = 0.90;
constexpr double kSrGoal = 0.85;
constexpr int64_t kCheckRows = 256;  // correctness slice
constexpr int64_t kCheckDim = 256;   // correctness shape of the linear layers

// Goal ratios (quantized / BF16) of the quartet linear from issue #5, by d.
double quartet_goal(int64_t d) {
  if (d <= 1024) return 1.5;
  if (d <= 2048) return 1.2;
  return 1.05;
}

// Mean milliseconds per call of f on the current stream (CUDA events around `iters` calls).
double time_ms(const std::function<void()>& f, int warmup, int iters) {
  for (int i = 0; i < warmup; ++i) f();
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream().stream();
  cudaEvent_t start = nullptr;
  cudaEvent_t stop = nullptr;
  C10_CUDA_CHECK(cudaEventCreate(&start));
  C10_CUDA_CHECK(cudaEventCreate(&stop));
  C10_CUDA_CHECK(cudaEventRecord(start, stream));
  for (int i = 0; i < iters; ++i) f();
  C10_CUDA_CHECK(cudaEventRecord(stop, stream));
  C10_CUDA_CHECK(cudaEventSynchronize(stop));
  float ms = 0;
  C10_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
  C10_CUDA_CHECK(cudaEventDestroy(start));
  C10_CUDA_CHECK(cudaEventDestroy(stop));
  return static_cast<double>(ms) / iters;
}

OperandQuant operand(Format f, Rounding r, ScaleRule s, int h, bool signs) {
  OperandQuant q;
  q.format = f;
  q.rounding = r;
  q.scale = s;
  q.hadamard = h;
  q.random_signs = signs;
  return q;
}

struct KernelCase {
  std::string name;
  OperandQuant q;
  int64_t dim;             // 1: along rows (K = cols); 0: along columns (transposed output)
  kernels::QOutput output;
};

std::vector<KernelCase> kernel_cases() {
  using F = Format;
  using R = Rounding;
  using S = ScaleRule;
  using O = kernels::QOutput;
  return {
      {"mxfp4 absmax_3_4 rtn h32+signs rows", operand(F::kMxfp4, R::kRtn, S::kAbsmax34, 32, true), 1, O::kPacked},
      {"mxfp4 absmax_3_4 sr  h32+signs rows", operand(F::kMxfp4, R::kSr, S::kAbsmax34, 32, true), 1, O::kPacked},
      {"mxfp4 absmax_3_4 rtn h32+signs cols", operand(F::kMxfp4, R::kRtn, S::kAbsmax34, 32, true), 0, O::kPacked},
      {"mxfp4 absmax_3_4 sr  h32+signs cols", operand(F::kMxfp4, R::kSr, S::kAbsmax34, 32, true), 0, O::kPacked},
      {"mxfp4 quest      rtn h32 rows", operand(F::kMxfp4, R::kRtn, S::kQuest, 32, false), 1, O::kPacked},
      {"mxfp4 absmax     rtn h128+signs rows", operand(F::kMxfp4, R::kRtn, S::kAbsmax, 128, true), 1, O::kPacked},
      {"mxfp4 quest      rtn h32 rows -> e4m3 1x128", operand(F::kMxfp4, R::kRtn, S::kQuest, 32, false), 1, O::kFp8Blocks},
      {"mxfp4 absmax_3_4 sr  h32+signs cols -> e4m3 1x128", operand(F::kMxfp4, R::kSr, S::kAbsmax34, 32, true), 0,
       O::kFp8Blocks},
      {"nvfp4 absmax     rtn rows (2 passes)", operand(F::kNvfp4, R::kRtn, S::kAbsmax, 0, false), 1, O::kPacked},
      {"nvfp4 4/6        rtn rows (2 passes)", operand(F::kNvfp4, R::kRtn, S::kFourOverSix, 0, false), 1, O::kPacked},
      {"fp8 e4m3         rtn rows (2 passes)", operand(F::kFp8E4M3, R::kRtn, S::kAbsmax, 0, false), 1, O::kPacked},
      {"fp8 e5m2         sr  cols (2 passes)", operand(F::kFp8E5M2, R::kSr, S::kAbsmax, 0, false), 0, O::kPacked},
  };
}

QuantKeys bench_keys(uint64_t stream) {
  return {quant::derive_key(2026, 1, 7, 0, quant::kStreamSrBase + stream), quant::derive_key(2026, 1, 7, 0, stream)};
}

// Kernel (packed output) vs quantize_ref on a [kCheckRows, cols] slice: codes and scales bit for bit from the
// launch the bench times (no mask: the specialised kernel where there is one), masks from a second launch
// that writes them.
std::string check_kernel(const at::Tensor& x, const KernelCase& c, const QuantKeys& keys, bool* ok) {
  const at::Tensor slice = x.narrow(0, 0, kCheckRows).contiguous();
  CudaPacked got = cuda_quantize_packed(slice, c.q, c.dim, keys, false);
  got.mask = cuda_quantize_packed(slice, c.q, c.dim, keys, true).mask;
  const at::Tensor host = slice.to(at::kFloat).cpu().contiguous();
  quant::StridedMatrix m;
  m.data = host.data_ptr<float>();
  m.rows = slice.size(1 - c.dim);
  m.k = slice.size(c.dim);
  m.row_stride = c.dim == 1 ? slice.size(1) : 1;
  m.k_stride = c.dim == 1 ? 1 : slice.size(1);
  quant::QuantizeOptions o;
  o.quant = c.q;
  o.sr_key = keys.sr;
  o.sign_key = keys.signs;
  o.want_mask = true;
  const auto want = quant::quantize_ref(m, o);
  auto first_diff = [](const at::Tensor& t, const std::vector<uint8_t>& ref) -> int64_t {
    const at::Tensor h = t.contiguous().cpu();
    if (static_cast<size_t>(h.numel()) != ref.size()) return 0;
    const uint8_t* p = h.data_ptr<uint8_t>();
    for (size_t i = 0; i < ref.size(); ++i)
      if (p[i] != ref[i]) return static_cast<int64_t>(i);
    return -1;
  };
  *ok = true;
  if (const int64_t i = first_diff(got.codes, want.codes); i >= 0) {
    *ok = false;
    return fmt::format("codes differ from the reference at index {}", i);
  }
  if (got.scales.defined()) {
    if (const int64_t i = first_diff(got.scales, want.scales); i >= 0) {
      *ok = false;
      return fmt::format("scales differ from the reference at index {}", i);
    }
  }
  if (const int64_t i = first_diff(got.mask, want.mask); i >= 0) {
    *ok = false;
    return fmt::format("masks differ from the reference at index {}", i);
  }
  return fmt::format("bit-exact on {}x{}", m.rows, m.k);
}

KernelTiming bench_kernel(const at::Tensor& x, const KernelCase& c, double copy_gbps, const KernelBenchOptions& o) {
  KernelTiming t;
  t.name = c.name;
  t.rounding = c.q.rounding == Rounding::kSr ? "sr" : "rtn";
  t.goal = c.q.rounding == Rounding::kSr ? kSrGoal : kRtnGoal;
  const QuantKeys keys = bench_keys(quant::kStreamSignsFwd);
  t.check = check_kernel(x, c, keys, &t.correct);

  std::string why;
  auto op = detail::make_cuda_operand(x, c.q, c.dim, keys, &why);
  LPS_CHECK(op.has_value(), "bench case '{}' not covered by the kernels: {}", c.name, why);
  kernels::QuantizeParams& p = op->params;
  const auto u8 = x.options().dtype(at::kByte);
  const bool fp4 = c.q.format == Format::kMxfp4 || c.q.format == Format::kNvfp4;
  const int64_t n = x.numel();
  at::Tensor codes, scales, block_scales;
  at::Tensor scalars = at::zeros({2}, x.options().dtype(at::kFloat));
  at::Tensor inexact = at::zeros({1}, x.options().dtype(at::kInt));
  p.output = c.output;
  p.workspace = scalars.data_ptr<float>();
  p.tensor_scale = scalars.data_ptr<float>() + 1;
  double out_bytes = 0;
  if (c.output == kernels::QOutput::kFp8Blocks) {
    codes = at::empty({n}, u8);
    block_scales = at::empty({n / kernels::kFp8BlockSize}, x.options().dtype(at::kFloat));
    p.codes = codes.data_ptr<uint8_t>();
    p.block_scales = block_scales.data_ptr<float>();
    p.inexact_blocks = inexact.data_ptr<int32_t>();
    out_bytes = static_cast<double>(n) + 4.0 * static_cast<double>(n / kernels::kFp8BlockSize);
  } else {
    codes = at::empty({fp4 ? n / 2 : n}, u8);
    p.codes = codes.data_ptr<uint8_t>();
    out_bytes = static_cast<double>(codes.numel());
    if (fp4) {
      scales = at::empty({n / quant::group_size(c.q.format)}, u8);
      p.scales = scales.data_ptr<uint8_t>();
      out_bytes += static_cast<double>(scales.numel());
    }
  }
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream().stream();
  t.check += kernels::quantize_is_specialised(p) ? " (specialised kernel)" : " (generic kernel)";
  t.ms = time_ms([&] { detail::check_launch(kernels::quantize(p, stream), "bench kernel"); }, o.warmup, o.iters);
  t.bytes = static_cast<double>(n) * static_cast<double>(x.element_size()) + out_bytes;
  t.gbps = t.bytes / (t.ms * 1e-3) / 1e9;
  t.of_copy = copy_gbps > 0 ? t.gbps / copy_gbps : 0;
  return t;
}

// ---- linear layers -----------------------------------------------------------------------------------------

struct LinearTensors {
  at::Tensor x, w, dy;  // [M, d], [d, d], [M, d] BF16
};

LinearTensors make_linear(int64_t m, int64_t d, uint64_t seed) {
  at::manual_seed(seed);
  const auto opts = at::TensorOptions().device(at::kCUDA).dtype(at::kBFloat16);
  return {at::randn({m, d}, opts), at::randn({d, d}, opts) * 0.02, at::randn({m, d}, opts)};
}

void bf16_step(const LinearTensors& t) {
  (void)at::mm(t.x, t.w.t());
  (void)at::mm(t.dy, t.w);
  (void)at::mm(t.dy.t(), t.x);
}

// The three GEMMs of a linear layer on the kernels' tensor-core paths (quantization included).
std::array<at::Tensor, 3> kernels_step(const LinearTensors& t, const quant::Scheme& s) {
  using quant::Operand;
  const bool mx = s.at(Operand::kFwdX).format == Format::kMxfp4;
  auto gemm = [&](const GemmOperand& a, const GemmOperand& b) {
    return mx ? cuda_mxfp4_gemm(a, b) : cuda_fp8_gemm(a, b);
  };
  const QuantKeys kf = bench_keys(quant::kStreamSignsFwd);
  const QuantKeys kdx = bench_keys(quant::kStreamSignsDx);
  const QuantKeys kdw = bench_keys(quant::kStreamSignsDw);
  const bool mask = s.at(Operand::kFwdX).trust_mask;
  auto y = gemm({t.x, 1, s.at(Operand::kFwdX), kf, mask}, {t.w, 1, s.at(Operand::kFwdW), kf, mask});
  auto dx = gemm({t.dy, 1, s.at(Operand::kBwdDy), kdx, false}, {t.w, 0, s.at(Operand::kBwdW), kdx, false});
  auto dw = gemm({t.dy, 0, s.at(Operand::kBwdDyT), kdw, false}, {t.x, 0, s.at(Operand::kBwdXT), kdw, false});
  return {y.y, dx.y, dw.y};
}

// FP64 product of the reference's dequantised operands ([rows, K] views of x along k_dim).
at::Tensor reference_product(const GemmOperand& a, const GemmOperand& b) {
  auto deq = [](const GemmOperand& g) {
    const at::Tensor h = (g.k_dim == 1 ? g.x : g.x.t()).to(at::kFloat).cpu().contiguous();
    quant::StridedMatrix m{h.data_ptr<float>(), h.size(0), h.size(1), h.size(1), 1};
    quant::QuantizeOptions o;
    o.quant = g.q;
    o.sr_key = g.keys.sr;
    o.sign_key = g.keys.signs;
    const auto q = quant::quantize_ref(m, o);
    at::Tensor out = at::empty({h.size(0), h.size(1)}, at::kFloat);
    quant::dequantize_ref(q, out.data_ptr<float>(), false);
    return out.to(at::kDouble);
  };
  return at::mm(deq(a), deq(b).t());
}

// The kernels path at a small shape against FP64 products of the reference (bf16 output tolerance).
bool check_linear(const quant::Scheme& s, std::string* note) {
  using quant::Operand;
  const LinearTensors t = make_linear(kCheckDim, kCheckDim, 99);
  const auto got = kernels_step(t, s);
  const QuantKeys kf = bench_keys(quant::kStreamSignsFwd);
  const QuantKeys kdx = bench_keys(quant::kStreamSignsDx);
  const QuantKeys kdw = bench_keys(quant::kStreamSignsDw);
  const std::array<at::Tensor, 3> want = {
      reference_product({t.x, 1, s.at(Operand::kFwdX), kf}, {t.w, 1, s.at(Operand::kFwdW), kf}),
      reference_product({t.dy, 1, s.at(Operand::kBwdDy), kdx}, {t.w, 0, s.at(Operand::kBwdW), kdx}),
      reference_product({t.dy, 0, s.at(Operand::kBwdDyT), kdw}, {t.x, 0, s.at(Operand::kBwdXT), kdw})};
  const char* names[3] = {"Y", "dX", "dW"};
  for (int i = 0; i < 3; ++i) {
    const at::Tensor y = got[static_cast<size_t>(i)].to(at::kDouble).cpu();
    const at::Tensor err = (y - want[static_cast<size_t>(i)]).abs();
    const at::Tensor tol = want[static_cast<size_t>(i)].abs() * (1.0 / 128) + 1e-3 * want[static_cast<size_t>(i)].abs().max();
    if ((err > tol).any().item<bool>()) {
      *note = fmt::format("{} differs from the FP64 reference product (max abs error {:.3g})", names[i],
                          err.max().item<double>());
      return false;
    }
  }
  return true;
}

LinearTiming bench_linear(const std::string& scheme_name, const std::string& path, int64_t d, double bf16_ms,
                          const LinearTensors& t, const KernelBenchOptions& o, bool correct, const std::string& note) {
  LinearTiming r;
  r.scheme = scheme_name;
  r.path = path;
  r.d = d;
  r.m = t.x.size(0);
  r.bf16_ms = bf16_ms;
  r.goal = scheme_name == "quartet" ? quartet_goal(d) : 0.0;
  r.correct = correct;
  r.note = note;
  const quant::Scheme s = *quant::preset_scheme(scheme_name);
  try {
    if (path == "kernels") {
      reset_cuda_gemm_stats();
      r.ms = time_ms([&] { (void)kernels_step(t, s); }, o.warmup, o.iters);
      const auto st = cuda_gemm_stats();
      const int64_t fallbacks = st.mxfp4_fallbacks + st.fp8_fallbacks;
      if (fallbacks > 0) r.note += fmt::format("{} of {} GEMMs fell back to BF16", fallbacks,
                                               fallbacks + st.mxfp4_tensor_cores + st.fp8_tensor_cores);
    } else {
      const at::Tensor x = t.x.detach().requires_grad_(true);
      const at::Tensor w = t.w.detach().requires_grad_(true);
      const QuantCallKeys keys{2026, 1, 7, 0};
      reset_gemm_stats();
      r.ms = time_ms(
          [&] {
            const at::Tensor y = quant_linear(x, w, s, keys);
            y.backward(t.dy);
          },
          o.warmup, o.iters);
      const auto st = gemm_stats();
      r.note += fmt::format("GEMMs: {} MXFP4-as-FP8 and {} FP8 on tensor cores, {} BF16 emulated", st.mxfp4_tensor_core,
                            st.fp8_tensor_core, st.emulated_bf16);
    }
    r.ratio = r.ms / bf16_ms;
  } catch (const std::exception& e) {
    r.correct = false;
    r.note = std::string("failed: ") + e.what();
    r.note = r.note.substr(0, r.note.find('\n'));
  }
  return r;
}

}  // namespace

KernelBenchReport run_kernel_bench(const KernelBenchOptions& o, const std::function<void(const std::string&)>& progress) {
  if (!cuda_available()) {
    throw RunError(kernels_compiled() ? "no CUDA device: `lpsweep bench kernels` needs an NVIDIA GPU (sm_90)"
                                      : "this build has no CUDA kernels (built without nvcc)");
  }
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  const c10::cuda::CUDAGuard guard(0);
  KernelBenchReport report;
  report.device = device_name(0);

  if (o.kernels) {
    const at::Tensor x = at::randn({o.rows, o.cols}, at::TensorOptions().device(at::kCUDA).dtype(at::kBFloat16));
    at::Tensor y = at::empty_like(x);
    const double copy_ms = time_ms([&] { y.copy_(x); }, o.warmup, o.iters);
    report.copy_gbps = 2.0 * static_cast<double>(x.numel() * x.element_size()) / (copy_ms * 1e-3) / 1e9;
    say(fmt::format("device-to-device copy: {:.0f} GB/s", report.copy_gbps));
    for (const KernelCase& c : kernel_cases()) {
      report.kernels.push_back(bench_kernel(x, c, report.copy_gbps, o));
      const KernelTiming& k = report.kernels.back();
      say(fmt::format("{}: {:.0f} GB/s ({:.0f}% of copy), {}", k.name, k.gbps, 100 * k.of_copy, k.check));
    }
  }

  if (o.linears) {
    std::vector<std::pair<std::string, std::string>> variants;
    std::map<std::string, std::pair<bool, std::string>> checks;
    for (const std::string scheme : {"quartet", "fp8"}) {
      std::string note;
      const bool ok = check_linear(*quant::preset_scheme(scheme), &note);
      checks[scheme] = {ok, note};
      say(fmt::format("{} linear (kernels path) vs FP64 reference: {}", scheme, ok ? "ok" : note));
    }
    for (int64_t d : o.dims) {
      const LinearTensors t = make_linear(o.tokens, d, 1);
      const double bf16_ms = time_ms([&] { bf16_step(t); }, o.warmup, o.iters);
      for (const std::string scheme : {"quartet", "fp8"}) {
        for (const std::string path : {"kernels", "QuantLinear"}) {
          const bool ok = path == "kernels" ? checks[scheme].first : true;
          report.linears.push_back(bench_linear(scheme, path, d, bf16_ms, t, o, ok,
                                                path == "kernels" ? checks[scheme].second : ""));
          const LinearTiming& l = report.linears.back();
          say(fmt::format("{} ({}) d={} M={}: {:.3f} ms vs BF16 {:.3f} ms = {:.2f}x {}", l.scheme, l.path, l.d, l.m,
                          l.ms, l.bf16_ms, l.ratio, l.note));
        }
      }
    }
  }
  return report;
}

}  // namespace lps::ops
