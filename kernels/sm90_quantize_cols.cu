// The fused quantizer along columns: x [rows, cols] row-major, groups of consecutive elements of a column
// (K = rows); outputs are written as the transposed operand [cols, rows], K-major, as the backward GEMMs
// need it — x is never transposed in memory. A block stages a 128-row × 32-column tile in shared memory
// with coalesced row reads, then each thread reads 8 consecutive rows of one column and runs the same
// per-chunk pipeline as the row kernel.
//
// Shared-memory layout: column c, row r at c·129 + swz(r), swz(r) = (r & ~7) | ((r + (r >> 5)) & 7).
// Writes (a warp = 32 columns of one row) hit 32 distinct banks; reads (16 lanes = rows 8j..8j+7 of
// column c, the other 16 of column c + 4) also hit 32 distinct banks for each of the 8 elements.
#include "device/cols_tile_layout.h"
#include "device/quantize_dispatch.cuh"
#include "quantize_launch.h"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace lps::kernels {
namespace {

using tile::kThreads;
using tile::kPitch;
constexpr int kTileRows = tile::kRows;
constexpr int kTileCols = tile::kCols;

template <device::Pass kPass, typename In, int kH>
__global__ void __launch_bounds__(kThreads) quantize_cols_kernel(QuantizeParams p) {
  using namespace device;
  __shared__ float tile_smem[kTileCols * kPitch];
  __shared__ uint8_t sign_bytes[kTileRows / kVec];  // random signs of the tile's 128 K positions
  const float A = kPass == Pass::kQuantize ? tensor_amax(p) : 0.0f;
  if (kPass == Pass::kQuantize && blockIdx.x == 0 && blockIdx.y == 0 && threadIdx.x == 0) write_tensor_scale(p);
  const In* __restrict__ x = static_cast<const In*>(p.x);
  const int64_t r0 = static_cast<int64_t>(blockIdx.y) * kTileRows;
  const int64_t c0 = static_cast<int64_t>(blockIdx.x) * kTileCols;
  const int tid = static_cast<int>(threadIdx.x);
  if (p.random_signs && tid < kTileRows / kVec) sign_bytes[tid] = static_cast<uint8_t>(sign_bits8(p.sign_key, r0 + kVec * tid));

  // Stage: linear index L = it*256 + tid -> (r = L / 32, c = L % 32); a warp reads 32 columns of a row.
#pragma unroll 4
  for (int it = 0; it < kTileRows * kTileCols / kThreads; ++it) {
    const int r = tile::stage_row(it, tid);
    const int c = tile::stage_col(it, tid);
    const int64_t gr = r0 + r;
    const int64_t gc = c0 + c;
    const float value = (gr < p.rows && gc < p.cols) ? load1(x + gr * p.cols + gc) : 0.0f;
    tile_smem[c * kPitch + tile::swizzle_row(r)] = value;
  }
  __syncthreads();

  const int lane = tid & 31;
  const int warp = tid >> 5;
  const int j = tile::read_chunk(lane);  // row chunk: rows 8j .. 8j+7 of the tile
  float acc = 0.0f;
#pragma unroll
  for (int pass = 0; pass < 2; ++pass) {
    const int c = tile::read_col(pass, warp, lane);
    float v[kVec];
#pragma unroll
    for (int i = 0; i < kVec; ++i) v[i] = tile_smem[tile::read_index(c, j, i)];
    ChunkPos pos;
    pos.row = c0 + c;
    pos.k0 = r0 + 8 * j;
    pos.K = p.rows;
    pos.out_rows = p.cols;
    pos.off = pos.row * pos.K + pos.k0;
    pos.signs = p.random_signs ? sign_bytes[j] : 0u;
    pos.active = pos.row < p.cols && pos.k0 < p.rows;
    run_chunk<kPass, kH>(v, pos, p, lane, A, acc);
  }
  if constexpr (kPass == Pass::kAmax) publish_amax<kThreads>(acc, p);
}

template <typename In, int kH>
void launch_cols(const QuantizeParams& p, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>((p.cols + kTileCols - 1) / kTileCols),
                  static_cast<unsigned>((p.rows + kTileRows - 1) / kTileRows));
  using device::Pass;
  if (p.format != QFormat::kMxfp4) quantize_cols_kernel<Pass::kAmax, In, kH><<<grid, kThreads, 0, stream>>>(p);
  quantize_cols_kernel<Pass::kQuantize, In, kH><<<grid, kThreads, 0, stream>>>(p);
}

template <typename In>
void launch_cols_h(const QuantizeParams& p, cudaStream_t stream) {
  switch (p.hadamard) {
    case 16: launch_cols<In, 16>(p, stream); break;
    case 32: launch_cols<In, 32>(p, stream); break;
    case 64: launch_cols<In, 64>(p, stream); break;
    case 128: launch_cols<In, 128>(p, stream); break;
    default: launch_cols<In, 0>(p, stream); break;
  }
}

}  // namespace

void launch_quantize_cols(const QuantizeParams& p, Stream stream) {
  if (p.in_dtype == InDType::kBf16) {
    launch_cols_h<__nv_bfloat16>(p, stream);
  } else {
    launch_cols_h<float>(p, stream);
  }
}

}  // namespace lps::kernels
