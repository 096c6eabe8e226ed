// libFuzzer entry point for one target, chosen at compile time by LPS_FUZZ_TARGET (tests/fuzz/CMakeLists.txt).
// A finding is printed and turned into a crash, so libFuzzer saves the input as crash-<sha1>.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (const auto finding = lps::fuzz::LPS_FUZZ_TARGET(input)) {
    std::fprintf(stderr, "lpsweep fuzz finding: %s\n", finding->c_str());
    std::abort();
  }
  return 0;
}
