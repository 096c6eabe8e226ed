// Private: maps an at::Tensor operand (x quantized along dim) onto kernels::QuantizeParams — the
// contiguous base tensor, the kernel axis, the spec — shared by the CUDA quantize and GEMM ops.
#pragma once

#include <lps/kernels/quantize.h>
#include <lps/ops/quantize.h>
#include <lps/quant/scheme.h>

#include <ATen/core/Tensor.h>

#include <optional>
#include <string>

namespace lps::ops::detail {

struct CudaOperand {
  at::Tensor base;               // contiguous [R, C]; x == base (axis along dim) or x == base.t()
  kernels::QuantizeParams params;  // input, spec and keys filled; outputs null
  int64_t rows = 0;              // operand rows (x.size(1 - dim))
  int64_t k = 0;                 // K (x.size(dim))
};

// nullopt + reason in *why when the kernels do not cover the spec.
[[nodiscard]] std::optional<CudaOperand> make_cuda_operand(const at::Tensor& x, const quant::OperandQuant& q,
                                                           int64_t dim, const QuantKeys& keys, std::string* why);

[[nodiscard]] kernels::Stream current_stream(const at::Tensor& x);

// Throws c10::Error with the kernel's message when a launch failed.
void check_launch(const kernels::LaunchStatus& status, const char* what);

}  // namespace lps::ops::detail
