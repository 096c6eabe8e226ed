// Shared-memory layout of the column quantizer's 128-row × 32-column tile, as plain index math so the
// host tests can check it (tests/kernels/cols_tile_layout_test.cc). FP32 values; column c of the tile is a
// run of kPitch = 132 floats (33 16-byte granules, so every granule is 16-byte aligned), row r of it at
//
//   slot(c, r) = c·132 + 4·((r/4) ^ ((r/32) & 1) ^ ((c/4) & 7)) + r % 4.
//
// Staging: each thread loads 16 bytes of one row (8 BF16 or 4 FP32 consecutive columns: one LDG.128,
// coalesced — a warp reads 8 rows × 64 bytes or 4 rows × 128 bytes) and stores them as scalars down 8 or 4
// columns. Reading: each thread takes rows 8j .. 8j+7 of one column as two 16-byte loads (LDS.128). The xor
// terms spread both over the 32 banks: every staging store instruction of a warp and every quarter-warp
// phase of a 16-byte read hits distinct banks (checked exhaustively by the test).
#pragma once

#ifdef __CUDACC__
#define LPS_HOST_DEVICE __host__ __device__
#else
#define LPS_HOST_DEVICE
#endif

namespace lps::kernels::tile {

inline constexpr int kThreads = 256;
inline constexpr int kRows = 128;        // K extent of a tile
inline constexpr int kCols = 32;         // operand rows of a tile
inline constexpr int kPitch = kRows + 4;  // floats per tile column
inline constexpr int kBanks = 32;

LPS_HOST_DEVICE constexpr int slot(int c, int r) {
  return c * kPitch + 4 * ((r >> 2) ^ ((r >> 5) & 1) ^ ((c >> 2) & 7)) + (r & 3);
}

// Staging with `per_load` elements per 16-byte load (8 for BF16, 4 for FP32): load `it` of thread `tid`
// reads row stage_row(...) of the tile, columns stage_col0(...) .. + per_load - 1.
LPS_HOST_DEVICE constexpr int stage_loads(int per_load) { return kRows * kCols / (kThreads * per_load); }
LPS_HOST_DEVICE constexpr int stage_row(int it, int tid, int per_load) {
  return it * (kThreads * per_load / kCols) + tid / (kCols / per_load);
}
LPS_HOST_DEVICE constexpr int stage_col0(int tid, int per_load) { return (tid % (kCols / per_load)) * per_load; }

// Which tile column pass `pass` of warp `warp`, lane `lane` quantizes, and its row chunk j (rows 8j..8j+7).
LPS_HOST_DEVICE constexpr int read_col(int pass, int warp, int lane) {
  const int pair = pass * (kThreads / 32) + warp;
  return 8 * (pair >> 2) + (pair & 3) + (lane >= 16 ? 4 : 0);
}
LPS_HOST_DEVICE constexpr int read_chunk(int lane) { return lane & 15; }
// The two 16-byte granules of chunk j of column c: rows 8j .. 8j+3 and 8j+4 .. 8j+7.
LPS_HOST_DEVICE constexpr int read_granule(int c, int j, int half) { return slot(c, 8 * j + 4 * half); }

}  // namespace lps::kernels::tile
