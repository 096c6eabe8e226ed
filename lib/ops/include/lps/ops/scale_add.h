// scale_add(x, a, b) = a*x + b on a float32 tensor: CUDA tensors run kernels/scale_add on the tensor's
// current stream; CPU tensors run the plain C++ reference. Exists to smoke-test the kernel path.
#pragma once

#include <ATen/core/Tensor.h>

namespace lps::ops {

[[nodiscard]] at::Tensor scale_add(const at::Tensor& x, float a, float b);
// The plain C++ reference (CPU, float32, contiguous).
[[nodiscard]] at::Tensor scale_add_ref(const at::Tensor& x, float a, float b);

}  // namespace lps::ops
