// The one translation unit of lps_torch_pch_pic / lps_torch_pch_exe (cmake/LpsModule.cmake): those targets
// exist to build the shared <torch/torch.h> precompiled header that every LibTorch-using target reuses.
namespace lps::detail {
int torch_pch_anchor() { return 0; }
}  // namespace lps::detail
