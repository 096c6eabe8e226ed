// Struct-of-arrays QuantizedMatrix -> ggml-style block arrays.
#include <lps/core/error.h>
#include <lps/quant/block_layout.h>

#include <algorithm>

namespace lps::quant {

std::vector<BlockMxfp4> to_mxfp4_blocks(const QuantizedMatrix& q) {
  LPS_CHECK(q.format == Format::kMxfp4 && q.scale_rule != ScaleRule::kQuestFp32,
            "to_mxfp4_blocks: needs an MXFP4 matrix with E8M0 scales");
  const int64_t groups = q.k / kMxfp4Group;
  std::vector<BlockMxfp4> blocks(static_cast<size_t>(q.rows * groups));
  for (int64_t r = 0; r < q.rows; ++r)
    for (int64_t g = 0; g < groups; ++g) {
      BlockMxfp4& b = blocks[static_cast<size_t>(r * groups + g)];
      b.e = q.scales[static_cast<size_t>(r * groups + g)];
      std::copy_n(q.codes.begin() + r * (q.k / 2) + g * 16, 16, b.qs);
    }
  return blocks;
}

std::vector<BlockNvfp4> to_nvfp4_blocks(const QuantizedMatrix& q) {
  LPS_CHECK(q.format == Format::kNvfp4, "to_nvfp4_blocks: needs an NVFP4 matrix");
  const int64_t groups = q.k / kNvfp4Group;
  std::vector<BlockNvfp4> blocks(static_cast<size_t>(q.rows * groups));
  for (int64_t r = 0; r < q.rows; ++r)
    for (int64_t g = 0; g < groups; ++g) {
      BlockNvfp4& b = blocks[static_cast<size_t>(r * groups + g)];
      b.s = q.scales[static_cast<size_t>(r * groups + g)];
      std::copy_n(q.codes.begin() + r * (q.k / 2) + g * 8, 8, b.qs);
    }
  return blocks;
}

}  // namespace lps::quant
