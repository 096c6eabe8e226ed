// `lpsweep bench fit` (bench_fit.cc). Until apps/lpsweep/bench_commands.h (kernels helper) declares it,
// cmd_bench.cc attaches it with add_bench_fit(*bench_subcommand).
#pragma once

#include <CLI/CLI.hpp>

namespace lps::cli {

void add_bench_fit(CLI::App& bench);

}  // namespace lps::cli
