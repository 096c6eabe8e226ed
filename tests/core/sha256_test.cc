#include <lps/core/error.h>
#include <lps/core/sha256.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace lps {
namespace {

// Vectors from FIPS 180-4 / NIST CSRC examples.
TEST(Sha256, HashesTheEmptyString) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, HashesAbc) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, HashesTheTwoBlockNistMessage) {
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, HashesAMillionAsInUnevenChunks) {
  Sha256 h;
  const std::string chunk(997, 'a');
  size_t left = 1000000;
  while (left > 0) {
    const size_t n = std::min(left, chunk.size());
    h.update(chunk.data(), n);
    left -= n;
  }
  EXPECT_EQ(to_hex(h.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, HashesAFileLikeItsContents) {
  const auto path = std::filesystem::temp_directory_path() / "lps_sha256_test.bin";
  { std::ofstream(path, std::ios::binary) << "abc"; }
  EXPECT_EQ(sha256_file_hex(path.string()), sha256_hex("abc"));
  std::filesystem::remove(path);
}

TEST(Sha256, NamesTheFileItCannotRead) {
  try {
    (void)sha256_file_hex("/nonexistent/lps/file");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/lps/file"), std::string::npos);
  }
}

}  // namespace
}  // namespace lps
