// `lpsweep bench kernels` end to end: without a CUDA device it fails cleanly (exit 1, "no CUDA device");
// with one, a tiny run checks correctness first, prints the table and writes the JSON.
#include "test_support.h"

#include <gtest/gtest.h>

#include <cuda_runtime.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace lps {
namespace {

const std::string kCli = LPS_CLI_PATH;

bool cuda_device_visible() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

TEST(BenchKernelsCli, HelpNamesTheKernelsBenchmark) {
  const auto r = test::run_command(kCli + " bench --help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("kernels"), std::string::npos) << r.output;
}

TEST(BenchKernelsCli, WithoutACudaDeviceFailsCleanly) {
  if (cuda_device_visible()) GTEST_SKIP() << "a CUDA device is visible; the GPU run is tested below";
  const auto r = test::run_command(kCli + " bench kernels");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("no CUDA device"), std::string::npos) << r.output;
}

TEST(BenchKernelsCli, TinyGpuRunChecksCorrectnessPrintsTheTableAndWritesJson) {
  if (!cuda_device_visible()) GTEST_SKIP() << "no CUDA device visible: GPU benchmark run skipped";
  const auto json = std::filesystem::temp_directory_path() / "lps_bench_kernels_test.json";
  std::filesystem::remove(json);
  const auto r = test::run_command(kCli + " bench kernels --rows 1024 --cols 1024 --dims 256 --tokens 1024 "
                                          "--iters 2 --warmup 1 --json " + json.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("device-to-device copy"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("quartet"), std::string::npos) << r.output;
  std::ifstream f(json);
  ASSERT_TRUE(f.good()) << "no JSON written";
  std::stringstream s;
  s << f.rdbuf();
  EXPECT_NE(s.str().find("\"copy_gbps\""), std::string::npos) << s.str();
  EXPECT_NE(s.str().find("\"linears\""), std::string::npos) << s.str();
}

}  // namespace
}  // namespace lps
