#include <lps/config/model_presets.h>

#include <array>

namespace lps::config {

namespace {
// Paper sizes: DESIGN.md §4 (Quartet's Table of model shapes and learning rates), sequence 512.
// Tiny sizes: ours, for CPU sweeps that train in seconds; learning rates found good on the synthetic source.
constexpr std::array<ModelPreset, 10> kPresets{{
    {"30M", 6, 640, 5, 128, 512, 1.2e-3},
    {"50M", 7, 768, 6, 128, 512, 1.2e-3},
    {"100M", 8, 1024, 8, 128, 512, 6e-4},
    {"200M", 10, 1280, 10, 128, 512, 3e-4},
    {"430M", 13, 1664, 13, 128, 512, 1.5e-4},
    {"800M", 16, 2048, 16, 128, 512, 7.5e-5},
    {"tiny-xs", 1, 32, 2, 16, 64, 3e-3},
    {"tiny-s", 2, 64, 2, 32, 64, 3e-3},
    {"tiny-m", 3, 96, 3, 32, 128, 2e-3},
    {"tiny-l", 4, 128, 4, 32, 128, 2e-3},
}};
}  // namespace

std::span<const ModelPreset> model_presets() {
  return kPresets;
}

std::optional<ModelPreset> find_model_preset(std::string_view name) {
  for (const ModelPreset& p : kPresets) {
    if (p.name == name) return p;
  }
  return std::nullopt;
}

int default_d_ff(int d_model) {
  constexpr int kMultiple = 256;
  const int swiglu = 8 * d_model / 3;
  return kMultiple * ((swiglu + kMultiple - 1) / kMultiple);
}

}  // namespace lps::config
