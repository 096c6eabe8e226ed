// Text files (paths or globs) as a token source: each file is tokenised once (bytes or sentencepiece)
// into a cached `.bin` shard, then served by a ShardSource (split and order as documented there).
//
// Cache: <cache_dir>/<sha256 of (tokenizer id, absolute path, size, mtime)>.bin, so an edited file or
// another vocabulary is tokenised afresh; shards are written atomically, so concurrent workers are safe.
#pragma once

#include <lps/data/shard_source.h>

#include <memory>
#include <string>
#include <vector>

namespace lps::data {

struct TextOptions {
  std::vector<std::string> paths;  // files or glob patterns (glob(3)); each must match something
  std::string tokenizer = "bytes"; // bytes | path to a sentencepiece .model
  std::string cache_dir;           // "" = default_cache_dir()
  double heldout_fraction = 0.01;  // of each file's tokens, from its end
  uint64_t seed = 0;               // training window order
};

// $LPS_CACHE_DIR, else $XDG_CACHE_HOME/lpsweep/tokens, else ~/.cache/lpsweep/tokens.
[[nodiscard]] std::string default_cache_dir();

// Expands globs in order (each pattern's matches sorted); throws lps::Error(kUserInput) listing every
// pattern that matched no file.
[[nodiscard]] std::vector<std::string> expand_paths(const std::vector<std::string>& patterns);

// Tokenises (or finds in the cache) every file and opens them as one source.
[[nodiscard]] std::unique_ptr<ShardSource> open_text_source(const TextOptions& options);

// Tokenises one text file into a shard at out_path (used by `lpsweep tokenize`); returns the token count.
int64_t tokenize_file(const std::string& text_path, const std::string& tokenizer, const std::string& out_path);

}  // namespace lps::data
