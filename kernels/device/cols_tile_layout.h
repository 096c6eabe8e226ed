// Shared-memory layout of the column quantizer's 128-row × 32-column tile, as plain index math so the
// host tests can check it (tests/kernels/cols_tile_layout_test.cc): column c, row r lives at
// c·kPitch + swizzle_row(r). Writes (a warp = 32 columns of one row) and reads (lanes 0-15: rows 8j..8j+7 of
// column c, lanes 16-31: of column c + 4, element i read at row 8j + ((i + j/4) mod 8)) each hit 32 distinct
// banks.
#pragma once

#ifdef __CUDACC__
#define LPS_HOST_DEVICE __host__ __device__
#else
#define LPS_HOST_DEVICE
#endif

namespace lps::kernels::tile {

inline constexpr int kThreads = 256;
inline constexpr int kRows = 128;            // K extent of a tile
inline constexpr int kCols = 32;             // operand rows of a tile
inline constexpr int kPitch = kRows + 1;     // floats per tile column
inline constexpr int kBanks = 32;

LPS_HOST_DEVICE constexpr int swizzle_row(int r) { return (r & ~7) | ((r + (r >> 5)) & 7); }

// Where the staging loop's iteration `it` of thread `tid` writes: (row, column) of the tile.
LPS_HOST_DEVICE constexpr int stage_row(int it, int tid) { return (it * kThreads + tid) / kCols; }
LPS_HOST_DEVICE constexpr int stage_col(int it, int tid) { return (it * kThreads + tid) % kCols; }

// Which tile column pass `pass` of warp `warp`, lane `lane` quantizes, and its row chunk j (rows 8j..8j+7).
LPS_HOST_DEVICE constexpr int read_col(int pass, int warp, int lane) {
  const int pair = pass * (kThreads / 32) + warp;
  return 8 * (pair >> 2) + (pair & 3) + (lane >= 16 ? 4 : 0);
}
LPS_HOST_DEVICE constexpr int read_chunk(int lane) { return lane & 15; }
// Shared-memory index of element i (row 8j + i of column c).
LPS_HOST_DEVICE constexpr int read_index(int c, int j, int i) { return c * kPitch + 8 * j + ((i + (j >> 2)) & 7); }

}  // namespace lps::kernels::tile
