// `lpsweep bench <what>`: one sub-subcommand per benchmark, each registered by its own file:
//   cmd_bench_kernels.cc — add_bench_kernels  (quantizer kernels vs copy bandwidth; quantized linears vs BF16)
//   cmd_bench_fit.cc     — add_bench_fit      (the fitter)
//   cmd_bench_train.cc   — add_bench_train    (training steps)
// A benchmark joins by defining its add_bench_* in a new cmd_bench_<what>.cc (apps/lpsweep globs *.cc);
// until a file defines one, the weak declaration below resolves to null and cmd_bench.cc skips it.
#pragma once

#include <CLI/CLI.hpp>

namespace lps::cli {

void add_bench_kernels(CLI::App& bench);
[[gnu::weak]] void add_bench_fit(CLI::App& bench);
[[gnu::weak]] void add_bench_train(CLI::App& bench);

}  // namespace lps::cli
