// The column kernel's shared-memory tile (kernels/device/cols_tile_layout.h): every (row, column) has its
// own slot, 16-byte granules stay whole and aligned, the staging loads cover the tile exactly once and each
// warp's staging stores hit distinct banks, and the quantizer's 16-byte reads return rows in order with
// every quarter-warp phase conflict-free — for BF16 (8 elements per load) and FP32 (4) inputs.
#include "../../kernels/device/cols_tile_layout.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace lps::kernels::tile {
namespace {

TEST(ColsTileLayout, EveryElementHasItsOwnSlotAndGranulesStayWhole) {
  std::set<int> slots;
  for (int c = 0; c < kCols; ++c)
    for (int r = 0; r < kRows; ++r) {
      const int s = slot(c, r);
      EXPECT_GE(s, c * kPitch);
      EXPECT_LT(s, c * kPitch + kRows);
      // Rows 4g .. 4g+3 stay consecutive in one 16-byte-aligned granule.
      EXPECT_EQ(s, slot(c, r & ~3) + (r & 3));
      EXPECT_EQ(slot(c, r & ~3) % 4, 0);
      slots.insert(s);
    }
  EXPECT_EQ(slots.size(), static_cast<size_t>(kRows * kCols));
}

TEST(ColsTileLayout, StagingCoversTheTileOnceAndEachWarpStoreHitsDistinctBanks) {
  for (int per_load : {8, 4}) {
    std::vector<int> seen(kRows * kCols, 0);
    for (int it = 0; it < stage_loads(per_load); ++it) {
      for (int warp = 0; warp < kThreads / 32; ++warp) {
        for (int e = 0; e < per_load; ++e) {  // the e-th scalar store of every lane: one instruction
          std::set<int> banks;
          for (int lane = 0; lane < 32; ++lane) {
            const int tid = warp * 32 + lane;
            const int r = stage_row(it, tid, per_load);
            const int c = stage_col0(tid, per_load) + e;
            ASSERT_LT(r, kRows);
            ASSERT_LT(c, kCols);
            ++seen[r * kCols + c];
            banks.insert(slot(c, r) % kBanks);
          }
          EXPECT_EQ(banks.size(), 32u) << "bank conflict: " << per_load << " per load, load " << it << ", warp "
                                       << warp << ", store " << e;
        }
      }
    }
    for (int n : seen) EXPECT_EQ(n, 1) << per_load << " per load";
  }
}

TEST(ColsTileLayout, WarpLoadsReadWholeSectorsOfConsecutiveColumns) {
  // The 32 lanes of a staging load read whole rows' 16-byte pieces: 4 (BF16) or 8 (FP32) lanes per row, in
  // column order, so each row's 64 or 128 bytes come from one coalesced segment.
  for (int per_load : {8, 4}) {
    const int lanes_per_row = kCols / per_load;
    for (int tid = 0; tid < kThreads; ++tid) {
      EXPECT_EQ(stage_col0(tid, per_load), (tid % lanes_per_row) * per_load);
      EXPECT_EQ(stage_row(0, tid, per_load), tid / lanes_per_row);
    }
  }
}

TEST(ColsTileLayout, SixteenByteReadsReturnEachRowInOrderConflictFreeAndCoverTheTile) {
  std::vector<int> seen(kRows * kCols, 0);
  for (int pass = 0; pass < 2; ++pass) {
    for (int warp = 0; warp < kThreads / 32; ++warp) {
      for (int half = 0; half < 2; ++half) {
        // A 16-byte shared load runs in four phases of 8 lanes; each phase must touch 32 distinct banks.
        for (int phase = 0; phase < 4; ++phase) {
          std::set<int> banks;
          for (int lane = 8 * phase; lane < 8 * phase + 8; ++lane) {
            const int c = read_col(pass, warp, lane);
            const int j = read_chunk(lane);
            const int g = read_granule(c, j, half);
            EXPECT_EQ(g % 4, 0);
            for (int e = 0; e < 4; ++e) {
              const int row = 8 * j + 4 * half + e;
              EXPECT_EQ(g + e, slot(c, row)) << "column " << c << " row " << row;
              ++seen[row * kCols + c];
              banks.insert((g + e) % kBanks);
            }
          }
          EXPECT_EQ(banks.size(), 32u) << "bank conflict: pass " << pass << ", warp " << warp << ", half " << half
                                       << ", phase " << phase;
        }
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
