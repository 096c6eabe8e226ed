#include <lps/data/bin_shard.h>

#include <lps/core/error.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

namespace lps::data {
namespace {
namespace fs = std::filesystem;

fs::path temp_path(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("lps_data_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

void write_raw(const fs::path& path, const std::vector<int32_t>& header, const std::vector<uint16_t>& tokens) {
  std::ofstream out(path, std::ios::binary);
  std::vector<int32_t> h(256, 0);
  std::copy(header.begin(), header.end(), h.begin());
  out.write(reinterpret_cast<const char*>(h.data()), 1024);
  out.write(reinterpret_cast<const char*>(tokens.data()), static_cast<std::streamsize>(2 * tokens.size()));
}

std::string error_of(const fs::path& path) {
  try {
    BinShard shard(path.string());
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

TEST(BinShard, ReadsAnLlmcShardWrittenByHand) {
  const auto path = temp_path("hand.bin");
  write_raw(path, {20240520, 1, 5}, {10, 20, 30, 65535, 0});
  BinShard shard(path.string());
  EXPECT_EQ(shard.size(), 5);
  EXPECT_EQ(shard.version(), 1);
  std::vector<int32_t> out(3);
  shard.read(2, out);
  EXPECT_EQ(out, (std::vector<int32_t>{30, 65535, 0}));
  EXPECT_EQ(shard.max_token(), 65535);
}

TEST(BinShard, WriterRoundTripsSmallAndLargeIds) {
  const auto small = temp_path("small.bin"), large = temp_path("large.bin");
  const std::vector<int32_t> a{1, 2, 3, 65535}, b{1, 70000, 3};
  write_bin_shard(small.string(), a);
  write_bin_shard(large.string(), b);
  BinShard s(small.string()), l(large.string());
  EXPECT_EQ(s.version(), kShardVersionU16);
  EXPECT_EQ(l.version(), kShardVersionU32);
  std::vector<int32_t> ra(4), rb(3);
  s.read(0, ra);
  l.read(0, rb);
  EXPECT_EQ(ra, a);
  EXPECT_EQ(rb, b);
  EXPECT_EQ(fs::file_size(small), 1024u + 8u);
}

TEST(BinShard, BadMagicIsRejectedWithTheValueFound) {
  const auto path = temp_path("magic.bin");
  write_raw(path, {12345, 1, 2}, {1, 2});
  const std::string message = error_of(path);
  EXPECT_NE(message.find("bad magic 12345"), std::string::npos) << message;
  EXPECT_NE(message.find("20240520"), std::string::npos) << message;
}

TEST(BinShard, TruncatedAndShortFilesAndBadVersionsAreRejected) {
  const auto truncated = temp_path("trunc.bin"), shortf = temp_path("short.bin"), version = temp_path("ver.bin");
  write_raw(truncated, {20240520, 1, 100}, {1, 2});
  { std::ofstream(shortf, std::ios::binary) << "abc"; }
  write_raw(version, {20240520, 7, 2}, {1, 2});
  EXPECT_NE(error_of(truncated).find("truncated"), std::string::npos);
  EXPECT_NE(error_of(shortf).find("shorter than"), std::string::npos);
  EXPECT_NE(error_of(version).find("version 7"), std::string::npos);
  EXPECT_NE(error_of(temp_path("missing.bin")).find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace lps::data
