// The row quantizer's grid (kernels/device/rows_geometry.h): its thread count is always a multiple of the
// chunks per row (each thread keeps its K positions), and it covers every chunk unless capped by SM count.
#include "../../kernels/device/rows_geometry.h"

#include <gtest/gtest.h>

namespace lps::kernels::rows {
namespace {

TEST(RowsGeometry, ThreadCountIsAMultipleOfTheChunksPerRow) {
  for (int64_t cols : {128, 256, 1024, 4096, 11008, 5504, 8 * 10007}) {
    for (int64_t rows_n : {1, 3, 128, 32768}) {
      const int64_t c = cols / 8;
      const int64_t blocks = grid_blocks(rows_n, c, 132);
      EXPECT_GE(blocks, 1);
      EXPECT_EQ(blocks * kThreads % c, 0) << "cols " << cols << " rows " << rows_n;
    }
  }
}

TEST(RowsGeometry, SmallTensorsGetOneThreadPerChunkAndLargeOnesAreCapped) {
  const int64_t c = 4096 / 8;
  EXPECT_GE(grid_blocks(4, c, 132) * kThreads, 4 * c);
  EXPECT_LE(grid_blocks(32768, c, 132), 132 * kBlocksPerSm + c);
}

}  // namespace
}  // namespace lps::kernels::rows
