// Array-of-structs block layouts of MXFP4 and NVFP4 (ggml style, sizes static_assert'ed), for storage and
// interchange. quantize_ref emits struct-of-arrays (QuantizedMatrix); to_*_blocks repacks it.
// Packing: two E2M1 codes per byte, element 2j in the low nibble, 2j+1 in the high nibble.
#pragma once

#include <lps/quant/quantizer.h>

#include <cstdint>
#include <vector>

namespace lps::quant {

// 32 values sharing an E8M0 scale 2^(e-127).
struct BlockMxfp4 {
  uint8_t e;       // E8M0 scale code
  uint8_t qs[16];  // 32 E2M1 codes
};
static_assert(sizeof(BlockMxfp4) == 17, "MXFP4 block: 1 scale byte + 16 packed bytes");

// 16 values sharing an E4M3 scale (times the tensor's FP32 scale, kept outside the blocks).
struct BlockNvfp4 {
  uint8_t s;      // E4M3 scale code
  uint8_t qs[8];  // 16 E2M1 codes
};
static_assert(sizeof(BlockNvfp4) == 9, "NVFP4 block: 1 scale byte + 8 packed bytes");

[[nodiscard]] constexpr uint8_t pack_e2m1(uint8_t even, uint8_t odd) {
  return static_cast<uint8_t>((even & 0xF) | ((odd & 0xF) << 4));
}
[[nodiscard]] constexpr uint8_t unpack_e2m1(uint8_t byte, int which) {
  return static_cast<uint8_t>(which == 0 ? (byte & 0xF) : (byte >> 4));
}

// Row-major blocks of an MXFP4 (E8M0 scales) / NVFP4 QuantizedMatrix; LPS_CHECKs the format.
[[nodiscard]] std::vector<BlockMxfp4> to_mxfp4_blocks(const QuantizedMatrix& q);
[[nodiscard]] std::vector<BlockNvfp4> to_nvfp4_blocks(const QuantizedMatrix& q);

}  // namespace lps::quant
