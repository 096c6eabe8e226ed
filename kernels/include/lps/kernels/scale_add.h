// y[i] = a * x[i] + b over n floats: the smallest kernel of ours, used by the GPU smoke test to prove
// that kernels/ builds, links into LibTorch code and runs on a LibTorch tensor's stream.
#pragma once

#include <lps/kernels/stream.h>

#include <cstdint>

namespace lps::kernels {

// x: [n] float32 device pointer; y: [n] float32 device pointer (may alias x).
LaunchStatus scale_add_f32(const float* x, float* y, int64_t n, float a, float b, Stream stream);

}  // namespace lps::kernels
