// Private launch entry points of the quantizer kernels (one per .cu); quantize.cu validates the
// parameters and calls these.
#pragma once

#include <lps/kernels/quantize.h>

namespace lps::kernels {

void launch_quantize_rows(const QuantizeParams& p, int sm_count, Stream stream);
void launch_quantize_cols(const QuantizeParams& p, Stream stream);

}  // namespace lps::kernels
