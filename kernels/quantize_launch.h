// Private launch entry points of the quantizer kernels (one per .cu); quantize.cu validates the
// parameters and calls these.
#pragma once

#include <lps/kernels/quantize.h>

namespace lps::kernels {

void launch_quantize_rows(const QuantizeParams& p, int sm_count, Stream stream);
void launch_quantize_cols(const QuantizeParams& p, Stream stream);

// Index of the specialised kernel the launcher would run for p (variants::kVariants), or -1 for the generic.
int rows_variant(const QuantizeParams& p, int sm_count);
int cols_variant(const QuantizeParams& p);

}  // namespace lps::kernels
