// Launch geometry of the row quantizer, as plain math the host tests check (tests/kernels/
// rows_geometry_test.cc): the grid's thread count must be a multiple of C = cols/8 chunks per row, so each
// thread keeps one chunk column (its K positions and random signs) for the whole launch.
#pragma once

#include <cstdint>

namespace lps::kernels::rows {

inline constexpr int64_t kThreads = 256;
inline constexpr int64_t kBlocksPerSm = 16;

constexpr int64_t gcd(int64_t a, int64_t b) {
  while (b != 0) {
    const int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// Blocks for rows × chunks_per_row chunks: enough for every chunk (capped near kBlocksPerSm per SM, the
// threads then loop over rows), rounded up so that blocks · kThreads is a multiple of chunks_per_row.
constexpr int64_t grid_blocks(int64_t rows, int64_t chunks_per_row, int64_t sm_count) {
  const int64_t unit = chunks_per_row / gcd(chunks_per_row, kThreads);
  int64_t blocks = (rows * chunks_per_row + kThreads - 1) / kThreads;
  const int64_t cap = sm_count * kBlocksPerSm;
  if (blocks > cap) blocks = cap;
  if (blocks < 1) blocks = 1;
  return (blocks + unit - 1) / unit * unit;
}

}  // namespace lps::kernels::rows
