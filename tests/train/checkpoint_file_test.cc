#include <lps/train/checkpoint_file.h>

#include <lps/core/sha256.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace lps::train {
namespace {
namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("lps_ckpt_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(CheckpointFile, WritesAtomicallyWithTheDigestOfItsBytes) {
  const auto dir = fresh_dir("write");
  const std::vector<char> bytes{'a', 'b', 'c'};
  const auto record = write_checkpoint_file(dir.string(), 42, bytes);
  EXPECT_EQ(fs::path(record.path).filename(), "ckpt-000000042.pt");
  EXPECT_EQ(record.step, 42);
  EXPECT_EQ(record.sha256, sha256_hex("abc"));
  EXPECT_FALSE(fs::exists(record.path + ".tmp"));
  std::string why;
  EXPECT_EQ(read_verified_checkpoint(record, &why), bytes);
}

TEST(CheckpointFile, AFlippedByteOrAMissingFileFailsVerificationWithAReason) {
  const auto dir = fresh_dir("verify");
  const auto record = write_checkpoint_file(dir.string(), 1, std::vector<char>(1000, 'x'));
  {
    std::fstream f(record.path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(500);
    f.put('y');
  }
  std::string why;
  EXPECT_TRUE(read_verified_checkpoint(record, &why).empty());
  EXPECT_NE(why.find("does not match"), std::string::npos) << why;
  fs::remove(record.path);
  EXPECT_TRUE(read_verified_checkpoint(record, &why).empty());
  EXPECT_NE(why.find("cannot open"), std::string::npos) << why;
}

TEST(CheckpointFile, PruningKeepsTheNewestAndDropsStrayTemporaries) {
  const auto dir = fresh_dir("prune");
  for (int64_t step : {5, 10, 15, 20}) (void)write_checkpoint_file(dir.string(), step, {'z'});
  std::ofstream(dir / "ckpt-000000025.pt.tmp") << "partial";
  std::ofstream(dir / "unrelated.txt") << "keep me";
  prune_checkpoints(dir.string(), 2);
  EXPECT_TRUE(fs::exists(dir / "ckpt-000000020.pt"));
  EXPECT_TRUE(fs::exists(dir / "ckpt-000000015.pt"));
  EXPECT_FALSE(fs::exists(dir / "ckpt-000000010.pt"));
  EXPECT_FALSE(fs::exists(dir / "ckpt-000000005.pt"));
  EXPECT_FALSE(fs::exists(dir / "ckpt-000000025.pt.tmp"));
  EXPECT_TRUE(fs::exists(dir / "unrelated.txt"));
}

}  // namespace
}  // namespace lps::train
