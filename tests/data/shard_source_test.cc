#include <lps/data/shard_source.h>

#include <lps/core/error.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>
#include <set>
#include <vector>

namespace lps::data {
namespace {
namespace fs = std::filesystem;

std::string make_shard(const std::string& name, int64_t n, int32_t offset) {
  fs::path dir = fs::temp_directory_path() / ("lps_shard_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::vector<int32_t> tokens(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) tokens[i] = static_cast<int32_t>((offset + i) % 1000);
  const auto path = (dir / name).string();
  write_bin_shard(path, tokens);
  return path;
}

ShardOptions two_shards() {
  ShardOptions o;
  o.paths = {make_shard("a.bin", 1000, 0), make_shard("b.bin", 500, 3)};
  o.heldout_fraction = 0.1;
  o.seed = 11;
  return o;
}

TEST(ShardSource, PermutationIsABijection) {
  for (int64_t n : {1, 2, 7, 64, 97, 1000}) {
    std::set<int64_t> seen;
    for (int64_t i = 0; i < n; ++i) seen.insert(permute_window(i, n, 3, 2));
    EXPECT_EQ(static_cast<int64_t>(seen.size()), n);
  }
}

TEST(ShardSource, OneEpochVisitsEveryTrainingWindowOnceAndResumes) {
  ShardSource a(two_shards());
  const int64_t seq = 16, per_epoch = a.train_windows(seq);
  EXPECT_EQ(per_epoch, (900 - 1) / 16 + (450 - 1) / 16);
  std::vector<int32_t> all(static_cast<size_t>(per_epoch * (seq + 1)));
  a.next_train(per_epoch, seq, all);
  std::set<std::vector<int32_t>> windows;
  for (int64_t w = 0; w < per_epoch; ++w) windows.emplace(all.begin() + w * (seq + 1), all.begin() + (w + 1) * (seq + 1));
  EXPECT_EQ(static_cast<int64_t>(windows.size()), per_epoch);
  // Contiguity: every window is a run of consecutive ids (the shards hold i + offset).
  for (const auto& w : windows) {
    for (size_t i = 1; i < w.size(); ++i) EXPECT_EQ(w[i], (w[i - 1] + 1) % 1000);
  }
  ShardSource b(two_shards());
  b.set_position(per_epoch - 3);
  std::vector<int32_t> tail(static_cast<size_t>(3 * (seq + 1)));
  b.next_train(3, seq, tail);
  EXPECT_TRUE(std::equal(tail.begin(), tail.end(), all.end() - static_cast<int64_t>(tail.size())));
}

TEST(ShardSource, HeldOutComesFromTheEndOfEachShardOnly) {
  ShardSource source(two_shards());
  const int64_t seq = 8;
  ASSERT_EQ(source.heldout_windows(seq).value(), (100 - 1) / 8 + (50 - 1) / 8);
  std::vector<int32_t> first(seq + 1);
  source.heldout(0, 1, seq, first);
  EXPECT_EQ(first[0], 900);  // shard a's held-out part starts at token 900
  EXPECT_EQ(source.vocab_size(), 1000);
}

TEST(ShardSource, MissingOrEmptyInputsSayWhatToDo) {
  ShardOptions none;
  EXPECT_THROW(ShardSource{none}, Error);
  ShardOptions tiny;
  tiny.paths = {make_shard("tiny.bin", 10, 0)};
  ShardSource source(tiny);
  std::vector<int32_t> out(65);
  EXPECT_THROW(source.next_train(1, 64, out), Error);
}

}  // namespace
}  // namespace lps::data
