// `lpsweep info`: what this build contains and what this machine offers (CUDA kernels, GPUs, LibTorch).
#include "commands.h"

#include <fmt/format.h>

#ifdef LPS_HAVE_TORCH
#include <lps/ops/device.h>
#include <torch/version.h>
#endif

namespace lps::cli {

void add_info_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Show what this build contains: LibTorch, CUDA kernels, visible GPUs");
  cmd->callback([] {
    fmt::print("lpsweep {}\n", LPS_VERSION);
#ifdef LPS_HAVE_TORCH
    fmt::print("LibTorch {}\n", TORCH_VERSION);
    fmt::print("CUDA kernels compiled: {}\n", ops::kernels_compiled() ? "yes" : "no");
    fmt::print("CUDA device: {}\n", ops::cuda_available() ? ops::device_name(0) : std::string("none"));
#else
    fmt::print("LibTorch: not built (configured with -DLPS_WITH_TORCH=OFF)\n");
#endif
  });
}

}  // namespace lps::cli
