// The column kernel's shared-memory tile (kernels/device/cols_tile_layout.h): every (row, column) has its
// own slot, the staging writes and the quantizer's reads are bank-conflict free, and every element of the
// tile is read exactly once, at the row the pipeline expects.
#include "../../kernels/device/cols_tile_layout.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace lps::kernels::tile {
namespace {

TEST(ColsTileLayout, EveryElementHasItsOwnSlotInsideTheTile) {
  std::set<int> slots;
  for (int c = 0; c < kCols; ++c)
    for (int r = 0; r < kRows; ++r) {
      const int s = c * kPitch + swizzle_row(r);
      EXPECT_LT(s, kCols * kPitch);
      slots.insert(s);
    }
  EXPECT_EQ(slots.size(), static_cast<size_t>(kRows * kCols));
}

TEST(ColsTileLayout, StagingCoversTheTileAndEachWarpWriteHitsDistinctBanks) {
  std::vector<int> seen(kRows * kCols, 0);
  for (int it = 0; it < kRows * kCols / kThreads; ++it) {
    for (int warp = 0; warp < kThreads / 32; ++warp) {
      std::set<int> banks;
      for (int lane = 0; lane < 32; ++lane) {
        const int tid = warp * 32 + lane;
        const int r = stage_row(it, tid);
        const int c = stage_col(it, tid);
        ++seen[r * kCols + c];
        banks.insert((c * kPitch + swizzle_row(r)) % kBanks);
      }
      EXPECT_EQ(banks.size(), 32u) << "bank conflict in staging iteration " << it << ", warp " << warp;
    }
  }
  for (int n : seen) EXPECT_EQ(n, 1);
}

TEST(ColsTileLayout, ReadsReturnEachRowInOrderConflictFreeAndCoverTheTile) {
  std::vector<int> seen(kRows * kCols, 0);
  for (int pass = 0; pass < 2; ++pass) {
    for (int warp = 0; warp < kThreads / 32; ++warp) {
      for (int i = 0; i < 8; ++i) {
        std::set<int> banks;
        for (int lane = 0; lane < 32; ++lane) {
          const int c = read_col(pass, warp, lane);
          const int j = read_chunk(lane);
          const int idx = read_index(c, j, i);
          banks.insert(idx % kBanks);
          // The slot read as element i must hold row 8j + i of column c.
          EXPECT_EQ(idx, c * kPitch + swizzle_row(8 * j + i)) << "column " << c << " chunk " << j << " element " << i;
          ++seen[(8 * j + i) * kCols + c];
        }
        EXPECT_EQ(banks.size(), 32u) << "bank conflict reading element " << i << " in pass " << pass << ", warp " << warp;
      }
    }
  }
  for (int n : seen) EXPECT_EQ(n, 1);
}

TEST(ColsTileLayout, LanesOfAGroupShareAColumnAndHoldConsecutiveRows) {
  // Shuffles combine lanes 0-15 (one column) and 16-31 (another); groups of 4 (MXFP4) or 16 (Hadamard-128)
  // lanes must cover consecutive rows of one column.
  for (int pass = 0; pass < 2; ++pass)
    for (int warp = 0; warp < kThreads / 32; ++warp)
      for (int lane = 0; lane < 32; ++lane) {
        EXPECT_EQ(read_col(pass, warp, lane), read_col(pass, warp, lane & 16));
        EXPECT_EQ(read_chunk(lane), lane % 16);
      }
}

}  // namespace
}  // namespace lps::kernels::tile
