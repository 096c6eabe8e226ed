// The fused quantizer along columns: x [rows, cols] row-major, groups of consecutive elements of a column
// (K = rows); outputs are written as the transposed operand [cols, rows], K-major, as the backward GEMMs
// need it — x is never transposed in memory. A block stages a 128-row × 32-column tile in shared memory
// with coalesced 16-byte row reads, then each thread reads 8 consecutive rows of one column (two 16-byte
// shared loads) and runs the same per-chunk pipeline as the row kernel. The layout (device/cols_tile_layout.h)
// keeps both the staging stores and the 16-byte reads free of bank conflicts.
#include "device/cols_tile_layout.h"
#include "device/quantize_dispatch.cuh"
#include "device/quantize_variants.h"
#include "quantize_launch.h"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <array>
#include <type_traits>
#include <utility>

namespace lps::kernels {
namespace {

using tile::kThreads;
using tile::kPitch;
constexpr int kTileRows = tile::kRows;
constexpr int kTileCols = tile::kCols;

// Stages the tile's 128 rows × 32 columns of x into shared memory (zeros outside x), as FP32 at
// tile::slot(c, r). With cols a multiple of the 16-byte load (8 BF16 / 4 FP32 columns, so a load is either
// wholly inside x or wholly outside), every thread issues all its 16-byte loads first, then its scalar
// stores; otherwise one scalar load per element.
template <typename In, typename Idx>
__device__ __forceinline__ void stage_tile(const In* __restrict__ x, Idx rows, Idx cols, Idx r0, Idx c0, int tid,
                                           float* tile_smem) {
  constexpr int kPerLoad = 16 / static_cast<int>(sizeof(In));
  constexpr int kLoads = tile::stage_loads(kPerLoad);
  const int c = tile::stage_col0(tid, kPerLoad);
  const Idx gc = c0 + c;
  if (cols % kPerLoad == 0) {
    using Raw = std::conditional_t<std::is_same_v<In, float>, float4, uint4>;
    Raw raw[kLoads];
#pragma unroll
    for (int it = 0; it < kLoads; ++it) {
      const Idx gr = r0 + tile::stage_row(it, tid, kPerLoad);
      raw[it] = Raw{};
      if (gr < rows && gc < cols) raw[it] = __ldg(reinterpret_cast<const Raw*>(x + gr * cols + gc));
    }
#pragma unroll
    for (int it = 0; it < kLoads; ++it) {
      const int r = tile::stage_row(it, tid, kPerLoad);
      float v[kPerLoad];
      if constexpr (std::is_same_v<In, float>) {
        v[0] = raw[it].x; v[1] = raw[it].y; v[2] = raw[it].z; v[3] = raw[it].w;
      } else {
        device::Raw8<__nv_bfloat16> r8;
        r8.w = raw[it];
        device::to_floats(r8, v);
      }
#pragma unroll
      for (int e = 0; e < kPerLoad; ++e) tile_smem[tile::slot(c + e, r)] = v[e];
    }
  } else {
#pragma unroll 2
    for (int it = 0; it < kLoads; ++it) {
      const int r = tile::stage_row(it, tid, kPerLoad);
      const Idx gr = r0 + r;
#pragma unroll
      for (int e = 0; e < kPerLoad; ++e) {
        const float value = (gr < rows && gc + e < cols) ? device::load1(x + gr * cols + gc + e) : 0.0f;
        tile_smem[tile::slot(c + e, r)] = value;
      }
    }
  }
}

template <device::Pass kPass, typename In, int kH, class S, typename Idx>
__global__ void __launch_bounds__(kThreads) quantize_cols_kernel(QuantizeParams p) {
  using namespace device;
  __shared__ __align__(16) float tile_smem[kTileCols * kPitch];
  __shared__ uint32_t sign_words[kTileRows / 32];  // random signs of the tile's 128 K positions, bit = row
  TensorScales t;
  if constexpr (kPass == Pass::kQuantize) {
    t = tensor_scales<S>(p);
    if (blockIdx.x == 0 && blockIdx.y == 0 && threadIdx.x == 0) write_tensor_scale<S>(p, t);
  }
  const In* __restrict__ x = static_cast<const In*>(p.x);
  const Idx rows = static_cast<Idx>(p.rows);
  const Idx cols = static_cast<Idx>(p.cols);
  const Idx r0 = static_cast<Idx>(blockIdx.y) * kTileRows;
  const Idx c0 = static_cast<Idx>(blockIdx.x) * kTileCols;
  const int tid = static_cast<int>(threadIdx.x);
  if (S::signs(p) && tid < kTileRows) {  // warps 0-3: one sign hash per lane, gathered by a ballot
    const bool negate = (hash32(p.sign_key, static_cast<uint64_t>(r0) + static_cast<uint64_t>(tid)) >> 31) != 0;
    const uint32_t bits = __ballot_sync(kFullMask, negate);
    if ((tid & 31) == 0) sign_words[tid >> 5] = bits;
  }
  stage_tile(x, rows, cols, r0, c0, tid, tile_smem);
  __syncthreads();

  const int lane = tid & 31;
  const int warp = tid >> 5;
  const int j = tile::read_chunk(lane);  // row chunk: rows 8j .. 8j+7 of the tile
  float acc = 0.0f;
#pragma unroll
  for (int pass = 0; pass < 2; ++pass) {
    const int c = tile::read_col(pass, warp, lane);
    const float4 a = *reinterpret_cast<const float4*>(&tile_smem[tile::read_granule(c, j, 0)]);
    const float4 b = *reinterpret_cast<const float4*>(&tile_smem[tile::read_granule(c, j, 1)]);
    float v[kVec] = {a.x, a.y, a.z, a.w, b.x, b.y, b.z, b.w};
    ChunkPos<Idx> pos;
    pos.row = c0 + c;
    pos.k0 = r0 + 8 * j;
    pos.K = rows;
    pos.out_rows = cols;
    pos.off = pos.row * pos.K + pos.k0;
    if (S::signs(p)) pos.set_signs((sign_words[j >> 2] >> (8 * (j & 3))) & 0xFFu, false);  // rows 8j .. 8j+7
    pos.active = pos.row < cols && pos.k0 < rows;
    run_chunk<kPass, kH, S>(v, pos, p, lane, t, acc);
  }
  if constexpr (kPass == Pass::kAmax) publish_amax<kThreads>(acc, p);
}

template <typename In, int kH, class S, class SAmax, typename Idx>
void launch_cols(const QuantizeParams& p, bool two_pass, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>((p.cols + kTileCols - 1) / kTileCols),
                  static_cast<unsigned>((p.rows + kTileRows - 1) / kTileRows));
  using device::Pass;
  if (two_pass) quantize_cols_kernel<Pass::kAmax, In, kH, SAmax, Idx><<<grid, kThreads, 0, stream>>>(p);
  quantize_cols_kernel<Pass::kQuantize, In, kH, S, Idx><<<grid, kThreads, 0, stream>>>(p);
}

// ---- specialised ------------------------------------------------------------------------------------------
template <std::size_t I>
void launch_variant(const QuantizeParams& p, cudaStream_t stream) {
  constexpr variants::QuantVariant v = variants::kVariants[I];
  using In = std::conditional_t<v.in == InDType::kBf16, __nv_bfloat16, float>;
  launch_cols<In, v.hadamard, device::VariantSpec<I>, device::AmaxSpec<v.signs ? 1 : 0>, uint32_t>(
      p, v.format != QFormat::kMxfp4, stream);
}

using VariantLauncher = void (*)(const QuantizeParams&, cudaStream_t);

template <std::size_t... I>
constexpr std::array<VariantLauncher, sizeof...(I)> variant_table(std::index_sequence<I...>) {
  return {&launch_variant<I>...};
}

constexpr auto kVariantLaunchers = variant_table(std::make_index_sequence<variants::kNumVariants>{});

// ---- generic ----------------------------------------------------------------------------------------------
template <typename In, int kH>
void launch_generic(const QuantizeParams& p, cudaStream_t stream) {
  launch_cols<In, kH, device::GenericSpec, device::GenericSpec, int64_t>(p, p.format != QFormat::kMxfp4, stream);
}

template <typename In>
void launch_generic_h(const QuantizeParams& p, cudaStream_t stream) {
  switch (p.hadamard) {
    case 16: launch_generic<In, 16>(p, stream); break;
    case 32: launch_generic<In, 32>(p, stream); break;
    case 64: launch_generic<In, 64>(p, stream); break;
    case 128: launch_generic<In, 128>(p, stream); break;
    default: launch_generic<In, 0>(p, stream); break;
  }
}

}  // namespace

int cols_variant(const QuantizeParams& p) {
  if (p.force_generic || !variants::fits_32bit(p.rows, p.cols, 0)) return -1;
  return variants::find_variant(p);
}

void launch_quantize_cols(const QuantizeParams& p, Stream stream) {
  const int variant = cols_variant(p);
  if (variant >= 0) {
    kVariantLaunchers[static_cast<std::size_t>(variant)](p, stream);
  } else if (p.in_dtype == InDType::kBf16) {
    launch_generic_h<__nv_bfloat16>(p, stream);
  } else {
    launch_generic_h<float>(p, stream);
  }
}

}  // namespace lps::kernels
