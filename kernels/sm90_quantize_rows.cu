// The fused quantizer along rows: x [rows, cols] row-major, groups of consecutive elements of a row
// (K = cols). Each thread takes 8 consecutive elements (one 16-byte BF16 load or two FP32 loads).
//
// Mapping: with C = cols/8 chunks per row and S = the grid's thread count chosen as a multiple of C, global
// thread g always owns chunk column c = g mod C and walks rows g/C, g/C + S/C, ... — so its K positions,
// and the random signs drawn for them, are fixed: 8 sign hashes per thread per launch, no division in the
// loop. Groups and Hadamard blocks never straddle rows (cols is a multiple of both), so a lane group is
// always wholly active or wholly idle; the loop runs while any lane of the warp has a row (warp-uniform,
// as the shuffles need).
#include "device/quantize_dispatch.cuh"
#include "device/rows_geometry.h"
#include "quantize_launch.h"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace lps::kernels {
namespace {

constexpr int kThreads = static_cast<int>(rows::kThreads);

template <device::Pass kPass, typename In, int kH>
__global__ void __launch_bounds__(kThreads) quantize_rows_kernel(QuantizeParams p, int64_t chunks_per_row) {
  using namespace device;
  const int lane = static_cast<int>(threadIdx.x & 31);
  const float A = kPass == Pass::kQuantize ? tensor_amax(p) : 0.0f;
  if (kPass == Pass::kQuantize && blockIdx.x == 0 && threadIdx.x == 0) write_tensor_scale(p);
  const In* __restrict__ x = static_cast<const In*>(p.x);
  const int64_t g = static_cast<int64_t>(blockIdx.x) * kThreads + threadIdx.x;
  const int64_t threads = static_cast<int64_t>(gridDim.x) * kThreads;
  const int64_t row_step = threads / chunks_per_row;  // exact: the launcher makes threads % C == 0

  ChunkPos pos;
  pos.K = p.cols;
  pos.out_rows = p.rows;
  pos.k0 = (g % chunks_per_row) * kVec;
  pos.row = g / chunks_per_row;
  pos.signs = p.random_signs ? sign_bits8(p.sign_key, pos.k0) : 0u;
  float acc = 0.0f;
  for (;; pos.row += row_step) {
    pos.active = pos.row < p.rows;
    if (!__any_sync(kFullMask, pos.active)) break;
    pos.off = pos.row * p.cols + pos.k0;
    float v[kVec] = {};
    if (pos.active) load8(x + pos.off, v);
    run_chunk<kPass, kH>(v, pos, p, lane, A, acc);
  }
  if constexpr (kPass == Pass::kAmax) publish_amax<kThreads>(acc, p);
}

template <typename In, int kH>
void launch_rows(const QuantizeParams& p, int sm_count, cudaStream_t stream) {
  using device::Pass;
  const int64_t chunks_per_row = p.cols / device::kVec;
  const int grid = static_cast<int>(rows::grid_blocks(p.rows, chunks_per_row, sm_count));
  if (p.format != QFormat::kMxfp4)
    quantize_rows_kernel<Pass::kAmax, In, kH><<<grid, kThreads, 0, stream>>>(p, chunks_per_row);
  quantize_rows_kernel<Pass::kQuantize, In, kH><<<grid, kThreads, 0, stream>>>(p, chunks_per_row);
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
