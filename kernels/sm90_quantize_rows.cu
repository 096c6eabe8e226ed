// The fused quantizer along rows: x [rows, cols] row-major, groups of consecutive elements of a row
// (K = cols). Each thread takes 8 consecutive elements (one 16-byte BF16 load or two FP32 loads).
//
// Mapping: with C = cols/8 chunks per row and S = the grid's thread count chosen as a multiple of C, global
// thread g always owns chunk column c = g mod C and walks rows g/C, g/C + S/C, ... — so its K positions,
// and the random signs drawn for them, are fixed: 8 sign hashes per thread per launch, no division in the
// loop. Groups and Hadamard blocks never straddle rows (cols is a multiple of both), so a lane group is
// always wholly active or wholly idle; the loop runs while any lane of the warp has a row (warp-uniform,
// as the shuffles need). The next row's 16 bytes are loaded before this row is processed (raw, 4 registers
// for BF16), so a thread always has a load in flight.
//
// Kernels: one specialised instantiation per variants::kVariants entry (options fixed at compile time, 32-bit
// positions), and the generic one (options read at run time, 64-bit positions) for everything else.
#include "device/quantize_dispatch.cuh"
#include "device/quantize_variants.h"
#include "device/rows_geometry.h"
#include "quantize_launch.h"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <array>
#include <type_traits>
#include <utility>

namespace lps::kernels {
namespace {

constexpr int kThreads = static_cast<int>(rows::kThreads);

template <device::Pass kPass, typename In, int kH, class S, typename Idx>
__global__ void __launch_bounds__(kThreads) quantize_rows_kernel(QuantizeParams p, Idx chunks_per_row, Idx row_step) {
  using namespace device;
  const int lane = static_cast<int>(threadIdx.x & 31);
  TensorScales t;
  if constexpr (kPass == Pass::kQuantize) {
    t = tensor_scales<S>(p);
    if (blockIdx.x == 0 && threadIdx.x == 0) write_tensor_scale<S>(p, t);
  }
  const In* __restrict__ x = static_cast<const In*>(p.x);
  const Idx g = static_cast<Idx>(blockIdx.x) * kThreads + static_cast<Idx>(threadIdx.x);
  const Idx rows = static_cast<Idx>(p.rows);
  const Idx cols = static_cast<Idx>(p.cols);
  const Idx step = row_step * cols;  // elements between this thread's consecutive rows

  ChunkPos<Idx> pos;
  pos.K = cols;
  pos.out_rows = rows;
  pos.k0 = (g % chunks_per_row) * kVec;
  if (S::signs(p)) pos.set_signs(sign_bits8(p.sign_key, pos.k0), true);
  Idx row = g / chunks_per_row;
  Idx off = row * cols + pos.k0;
  bool active = row < rows;
  Raw8<In> raw;
  if (active) raw = load_raw8(x + off);
  float acc = 0.0f;
  while (__any_sync(kFullMask, active)) {
    const bool next_active = row + row_step < rows;
    Raw8<In> next;
    if (next_active) next = load_raw8(x + off + step);
    float v[kVec];
    to_floats(raw, v);  // zeros on idle lanes
    pos.row = row;
    pos.off = off;
    pos.active = active;
    run_chunk<kPass, kH, S>(v, pos, p, lane, t, acc);
    row += row_step;
    off += step;
    active = next_active;
    raw = next;
  }
  if constexpr (kPass == Pass::kAmax) publish_amax<kThreads>(acc, p);
}

// The tensor-absmax pass (NVFP4, FP8) then the quantize pass, on the same grid.
template <typename In, int kH, class S, class SAmax, typename Idx>
void launch_rows(const QuantizeParams& p, int64_t grid, bool two_pass, cudaStream_t stream) {
  using device::Pass;
  const int64_t chunks_per_row = p.cols / device::kVec;
  const auto C = static_cast<Idx>(chunks_per_row);
  const auto row_step = static_cast<Idx>(grid * kThreads / chunks_per_row);
  const int blocks = static_cast<int>(grid);
  if (two_pass) quantize_rows_kernel<Pass::kAmax, In, kH, SAmax, Idx><<<blocks, kThreads, 0, stream>>>(p, C, row_step);
  quantize_rows_kernel<Pass::kQuantize, In, kH, S, Idx><<<blocks, kThreads, 0, stream>>>(p, C, row_step);
}

// ---- specialised ------------------------------------------------------------------------------------------
template <std::size_t I>
void launch_variant(const QuantizeParams& p, int64_t grid, cudaStream_t stream) {
  constexpr variants::QuantVariant v = variants::kVariants[I];
  using In = std::conditional_t<v.in == InDType::kBf16, __nv_bfloat16, float>;
  launch_rows<In, v.hadamard, device::VariantSpec<I>, device::AmaxSpec<v.signs ? 1 : 0>, uint32_t>(
      p, grid, v.format != QFormat::kMxfp4, stream);
}

using VariantLauncher = void (*)(const QuantizeParams&, int64_t, cudaStream_t);

template <std::size_t... I>
constexpr std::array<VariantLauncher, sizeof...(I)> variant_table(std::index_sequence<I...>) {
  return {&launch_variant<I>...};
}

constexpr auto kVariantLaunchers = variant_table(std::make_index_sequence<variants::kNumVariants>{});

// ---- generic ----------------------------------------------------------------------------------------------
template <typename In, int kH>
void launch_generic(const QuantizeParams& p, int64_t grid, cudaStream_t stream) {
  launch_rows<In, kH, device::GenericSpec, device::GenericSpec, int64_t>(p, grid, p.format != QFormat::kMxfp4,
                                                                         stream);
}

template <typename In>
void launch_generic_h(const QuantizeParams& p, int64_t grid, cudaStream_t stream) {
  switch (p.hadamard) {
    case 16: launch_generic<In, 16>(p, grid, stream); break;
    case 32: launch_generic<In, 32>(p, grid, stream); break;
    case 64: launch_generic<In, 64>(p, grid, stream); break;
    case 128: launch_generic<In, 128>(p, grid, stream); break;
    default: launch_generic<In, 0>(p, grid, stream); break;
  }
}

}  // namespace

int rows_variant(const QuantizeParams& p, int sm_count) {
  const int64_t grid = rows::grid_blocks(p.rows, p.cols / device::kVec, sm_count);
  if (p.force_generic || !variants::fits_32bit(p.rows, p.cols, grid * kThreads)) return -1;
  return variants::find_variant(p);
}

void launch_quantize_rows(const QuantizeParams& p, int sm_count, Stream stream) {
  const int64_t grid = rows::grid_blocks(p.rows, p.cols / device::kVec, sm_count);
  const int variant = rows_variant(p, sm_count);
  if (variant >= 0) {
    kVariantLaunchers[static_cast<std::size_t>(variant)](p, grid, stream);
  } else if (p.in_dtype == InDType::kBf16) {
    launch_generic_h<__nv_bfloat16>(p, grid, stream);
  } else {
    launch_generic_h<float>(p, grid, stream);
  }
}

}  // namespace lps::kernels
