#include <lps/data/text_source.h>
#include <lps/data/tokenizer.h>

#include <lps/core/error.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace lps::data {
namespace {
namespace fs = std::filesystem;

fs::path temp_dir() {
  fs::path dir = fs::temp_directory_path() / ("lps_text_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

TEST(TextSource, BytesAreTokenisedOnceCachedAndServed) {
  const fs::path dir = temp_dir();
  {
    std::ofstream out(dir / "a.txt");
    for (int i = 0; i < 200; ++i) out << "the quick brown fox jumps over the lazy dog " << i << "\n";
  }
  TextOptions o;
  o.paths = {(dir / "*.txt").string()};
  o.cache_dir = (dir / "cache").string();
  o.heldout_fraction = 0.05;
  auto source = open_text_source(o);
  EXPECT_EQ(source->vocab_size(), 256);
  std::vector<int32_t> window(33);
  source->next_train(1, 32, window);
  for (int32_t t : window) EXPECT_TRUE(t >= 0 && t < 256);
  EXPECT_EQ(std::distance(fs::directory_iterator(o.cache_dir), fs::directory_iterator{}), 1);
  auto again = open_text_source(o);  // served from the cache
  std::vector<int32_t> window2(33);
  again->next_train(1, 32, window2);
  EXPECT_EQ(window, window2);
}

TEST(TextSource, UnmatchedGlobsAreAllNamed) {
  try {
    (void)expand_paths({"/nonexistent/x*.txt", "/nonexistent/y.txt"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("x*.txt"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("y.txt"), std::string::npos);
  }
}

TEST(TextSource, SentencePieceTrainsAndTokenises) {
  const fs::path dir = temp_dir();
  {
    std::ofstream out(dir / "corpus.txt");
    for (int i = 0; i < 300; ++i) out << "low precision training of language models scales with compute " << i % 17 << "\n";
  }
  SentencePieceTrainOptions t;
  t.inputs = {(dir / "corpus.txt").string()};
  t.model_prefix = (dir / "sp").string();
  t.vocab_size = 300;
  train_sentencepiece(t);
  auto tok = make_tokenizer((dir / "sp.model").string());
  EXPECT_EQ(tok->vocab_size(), 300);
  const auto ids = tok->encode("low precision training");
  EXPECT_FALSE(ids.empty());
  EXPECT_LT(ids.size(), 22u);  // fewer tokens than bytes
  EXPECT_EQ(tok->id().rfind("sentencepiece:", 0), 0u);
}

}  // namespace
}  // namespace lps::data
