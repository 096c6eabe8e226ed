// Text files → cached token shards → a ShardSource.
#include <lps/data/text_source.h>

#include <lps/data/tokenizer.h>

#include <lps/core/error.h>
#include <lps/core/log.h>
#include <lps/core/sha256.h>

#include <fmt/format.h>
#include <glob.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace lps::data {
namespace fs = std::filesystem;
namespace {

[[nodiscard]] std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open text file", path));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return std::move(buffer).str();
}

int64_t tokenize_with(const std::string& text_path, const Tokenizer& tokenizer, const std::string& out_path) {
  const std::vector<int32_t> ids = tokenizer.encode(read_text(text_path));
  write_bin_shard(out_path, ids);
  return static_cast<int64_t>(ids.size());
}

}  // namespace

std::string default_cache_dir() {
  if (const char* env = std::getenv("LPS_CACHE_DIR"); env != nullptr && *env != '\0') return env;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return (fs::path(xdg) / "lpsweep" / "tokens").string();
  }
  const char* home = std::getenv("HOME");
  return (fs::path(home != nullptr ? home : "/tmp") / ".cache" / "lpsweep" / "tokens").string();
}

std::vector<std::string> expand_paths(const std::vector<std::string>& patterns) {
  std::vector<std::string> files;
  std::vector<std::string> unmatched;
  for (const std::string& pattern : patterns) {
    glob_t g{};
    const int rc = ::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g);
    std::vector<std::string> matches;
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        if (fs::is_regular_file(g.gl_pathv[i])) matches.emplace_back(g.gl_pathv[i]);
      }
    }
    ::globfree(&g);
    if (matches.empty()) unmatched.push_back(pattern);
    std::sort(matches.begin(), matches.end());
    files.insert(files.end(), matches.begin(), matches.end());
  }
  if (!unmatched.empty()) {
    std::string list;
    for (const auto& u : unmatched) list += (list.empty() ? "" : ", ") + ("'" + u + "'");
    throw Error(ErrorKind::kUserInput, fmt::format("data.paths: no file matches {}", list));
  }
  return files;
}

int64_t tokenize_file(const std::string& text_path, const std::string& tokenizer, const std::string& out_path) {
  return tokenize_with(text_path, *make_tokenizer(tokenizer), out_path);
}

std::unique_ptr<ShardSource> open_text_source(const TextOptions& options) {
  const std::vector<std::string> files = expand_paths(options.paths);
  const auto tokenizer = make_tokenizer(options.tokenizer);
  const std::string cache = options.cache_dir.empty() ? default_cache_dir() : options.cache_dir;
  std::error_code ec;
  fs::create_directories(cache, ec);
  if (ec) throw IoError(fmt::format("{}: cannot create the token cache folder: {}", cache, ec.message()));
  ShardOptions shard_options;
  shard_options.heldout_fraction = options.heldout_fraction;
  shard_options.seed = options.seed;
  shard_options.vocab_size = tokenizer->vocab_size();
  for (const std::string& file : files) {
    const fs::path absolute = fs::absolute(file);
    const auto size = fs::file_size(absolute);
    const auto mtime = fs::last_write_time(absolute).time_since_epoch().count();
    const std::string key = sha256_hex(fmt::format("{}\n{}\n{}\n{}", tokenizer->id(), absolute.string(), size, mtime));
    const std::string shard = (fs::path(cache) / (key + ".bin")).string();
    if (!fs::exists(shard)) {
      const int64_t n = tokenize_with(absolute.string(), *tokenizer, shard);
      log_info("tokenised {} → {} tokens ({})", file, n, shard);
    }
    shard_options.paths.push_back(shard);
  }
  return std::make_unique<ShardSource>(std::move(shard_options));
}

}  // namespace lps::data
