// The fused quantizer along rows: x [rows, cols] row-major, groups of consecutive elements of a row
// (K = cols). Each thread takes 8 consecutive elements (one 16-byte BF16 load or two FP32 loads); a row is
// a whole number of groups and Hadamard blocks, so the flat element order can be walked directly.
#include "device/quantize_dispatch.cuh"
#include "quantize_launch.h"

#include <lps/kernels/cuda_check.h>

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace lps::kernels {
namespace {

constexpr int kThreads = 256;

template <device::Pass kPass, typename In, int kH>
__global__ void __launch_bounds__(kThreads) quantize_rows_kernel(QuantizeParams p, int64_t n_chunks) {
  using namespace device;
  const int lane = static_cast<int>(threadIdx.x & 31);
  const float A = kPass == Pass::kQuantize ? tensor_amax(p) : 0.0f;
  if (kPass == Pass::kQuantize && blockIdx.x == 0 && threadIdx.x == 0) write_tensor_scale(p);
  const In* __restrict__ x = static_cast<const In*>(p.x);
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t warp_first = static_cast<int64_t>(blockIdx.x) * blockDim.x + (threadIdx.x & ~31u);
       warp_first < n_chunks; warp_first += stride) {
    const int64_t chunk = warp_first + lane;
    ChunkPos pos;
    pos.active = chunk < n_chunks;
    pos.K = p.cols;
    pos.out_rows = p.rows;
    float v[kVec] = {};
    if (pos.active) {
      load8(x + chunk * kVec, v);
      const int64_t e0 = chunk * kVec;
      pos.row = e0 / p.cols;
      pos.k0 = e0 - pos.row * p.cols;
    }
    run_chunk<kPass, kH>(v, pos, p, lane, A);
  }
}

template <typename In, int kH>
void launch_rows(const QuantizeParams& p, int sm_count, cudaStream_t stream) {
  using device::Pass;
  const int64_t n_chunks = p.rows * p.cols / device::kVec;
  const int64_t blocks_needed = (n_chunks + kThreads - 1) / kThreads;
  const int64_t max_blocks = static_cast<int64_t>(sm_count) * 16;
  const int blocks = static_cast<int>(blocks_needed < max_blocks ? blocks_needed : max_blocks);
  if (p.format != QFormat::kMxfp4) quantize_rows_kernel<Pass::kAmax, In, kH><<<blocks, kThreads, 0, stream>>>(p, n_chunks);
  quantize_rows_kernel<Pass::kQuantize, In, kH><<<blocks, kThreads, 0, stream>>>(p, n_chunks);
}

template <typename In>
void launch_rows_h(const QuantizeParams& p, int sm_count, cudaStream_t stream) {
  switch (p.hadamard) {
    case 16: launch_rows<In, 16>(p, sm_count, stream); break;
    case 32: launch_rows<In, 32>(p, sm_count, stream); break;
    case 64: launch_rows<In, 64>(p, sm_count, stream); break;
    case 128: launch_rows<In, 128>(p, sm_count, stream); break;
    default: launch_rows<In, 0>(p, sm_count, stream); break;
  }
}

}  // namespace

void launch_quantize_rows(const QuantizeParams& p, int sm_count, Stream stream) {
  if (p.in_dtype == InDType::kBf16) {
    launch_rows_h<__nv_bfloat16>(p, sm_count, stream);
  } else {
    launch_rows_h<float>(p, sm_count, stream);
  }
}

}  // namespace lps::kernels
