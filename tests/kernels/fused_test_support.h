// Helpers of the fused-kernel GPU tests: skip without a GPU, tensors <-> float vectors, first-mismatch reports.
#pragma once

#include <lps/kernels/fused_math.h>
#include <lps/ops/device.h>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#define LPS_SKIP_WITHOUT_GPU()                                                                          \
  if (!lps::ops::cuda_available())                                                                      \
  GTEST_SKIP() << "no CUDA device visible (or built without nvcc): fused-kernel GPU test skipped"

namespace lps::test {

// Any float tensor (CPU or CUDA) -> its values widened exactly to float, row-major.
inline std::vector<float> to_floats(const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kCPU).to(torch::kFloat32).contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

// Rounds each value as the kernel stores it in `dtype` (BF16: nearest even; FP32: as is).
inline std::vector<float> stored_as(std::vector<float> v, torch::ScalarType dtype) {
  if (dtype == torch::kBFloat16)
    for (auto& x : v) x = kernels::fused::round_to_bf16(x);
  return v;
}

// "" when got and expected are equal bit for bit; otherwise the first differing index and both values.
inline std::string first_bit_difference(const std::vector<float>& got, const std::vector<float>& expected) {
  if (got.size() != expected.size()) return "sizes differ: " + std::to_string(got.size()) + " vs " + std::to_string(expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::memcmp(&got[i], &expected[i], sizeof(float)) != 0) {
      std::ostringstream os;
      os.precision(9);
      os << "index " << i << ": got " << got[i] << ", expected " << expected[i];
      return os.str();
    }
  }
  return "";
}

inline const char* dtype_name(torch::ScalarType t) { return t == torch::kBFloat16 ? "bf16" : "f32"; }

}  // namespace lps::test
