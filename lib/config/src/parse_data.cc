// data: and the output paths (store:, output:) of a sweep file.
#include <fmt/format.h>
#include <glob.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "section_parsers.h"

namespace lps::config::detail {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::string_view, 7> kDataKeys{
    "kind", "paths", "tokenizer", "vocab", "seed", "heldout_fraction", "synthetic_order"};
constexpr std::array<std::string_view, 3> kKinds{"synthetic", "text", "shards"};
constexpr int kBytesVocab = 256;
constexpr int kSyntheticDefaultVocab = 4096;  // lps::data::SyntheticOptions' default
constexpr int kSyntheticMinVocab = 8;         // at least the source's 8 candidate slots per context
constexpr int kMaxSyntheticOrder = 8;
constexpr int64_t kMaxVocab = 10'000'000;

std::string absolute_in(const std::string& text, const std::string& dir) {
  const fs::path p(text);
  return (p.is_absolute() ? p : fs::path(dir) / p).lexically_normal().string();
}

// Why a file cannot be read, or "" when it can.
std::string unreadable_reason(const std::string& file) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) return "is a folder, not a file";
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::strerror(errno);
  return {};
}

// Expands one glob (or plain path) and checks every match can be read; returns false after reporting.
// `written` is the path as the sweep gives it; messages use it (and paths relative to `dir`), so they read
// the same on every machine.
bool check_data_path(YamlReader& r, const YAML::Node& node, const std::string& path,
                     const std::string& written, const std::string& pattern, const std::string& dir) {
  auto shown = [&](const std::string& file) {
    return fs::path(written).is_absolute() ? file : fs::path(file).lexically_relative(dir).string();
  };
  glob_t matches{};
  const int rc = ::glob(pattern.c_str(), GLOB_ERR, nullptr, &matches);
  bool ok = true;
  if (rc == GLOB_NOMATCH || matches.gl_pathc == 0) {
    r.error(node, path,
            fmt::format("no file matches '{}'{}", written,
                        fs::path(written).is_absolute() ? "" : " (relative to the sweep file's folder)"));
    ok = false;
  } else if (rc != 0) {
    r.error(node, path, fmt::format("cannot list '{}': {}", written, std::strerror(errno)));
    ok = false;
  } else {
    for (size_t i = 0; i < matches.gl_pathc && ok; ++i) {
      const std::string file = matches.gl_pathv[i];
      if (std::string why = unreadable_reason(file); !why.empty()) {
        r.error(node, path, fmt::format("cannot read '{}': {}", shown(file), why));
        ok = false;
      }
    }
  }
  ::globfree(&matches);
  return ok;
}

}  // namespace

namespace {

// resolve_output_path on `text` (the node's scalar, or a part of it); problems point at `node`.
std::optional<std::string> resolve_path_text(YamlReader& r, const YAML::Node& node, const std::string& path,
                                             const std::string& dir, const std::optional<std::string>& text) {
  if (text->empty()) {
    r.error(node, path, "must not be empty");
    return std::nullopt;
  }
  if (text->front() == '~') {
    r.error(node, path,
            fmt::format("'~' is not expanded in '{}'; write the path absolute or relative to the "
                        "sweep file's folder",
                        *text));
    return std::nullopt;
  }
  if (text->find('\0') != std::string::npos) {
    r.error(node, path, "must not contain NUL characters");
    return std::nullopt;
  }
  const fs::path given(*text);
  if (!given.is_absolute()) {
    const fs::path normal = given.lexically_normal();
    if (!normal.empty() && *normal.begin() == "..") {
      r.error(node, path,
              fmt::format("'{}' leaves the sweep file's folder; relative store and output paths must stay "
                          "inside it (write an absolute path to put it elsewhere)",
                          *text));
      return std::nullopt;
    }
  }
  return absolute_in(*text, dir);
}

}  // namespace

std::optional<std::string> resolve_output_path(YamlReader& r, const YAML::Node& node, const std::string& path,
                                               const std::string& dir) {
  const std::optional<std::string> text = r.string(node, path);
  if (!text) return std::nullopt;
  return resolve_path_text(r, node, path, dir, text);
}

std::optional<std::string> resolve_store(YamlReader& r, const YAML::Node& node, const std::string& dir) {
  const std::optional<std::string> text = r.string(node, "store");
  if (!text) return std::nullopt;
  auto starts_with = [&](std::string_view prefix) {
    return text->size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), text->begin(),
                      [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
  };
  if (starts_with("postgresql://") || starts_with("postgres://")) {
    if (text->find('\0') != std::string::npos) {
      r.error(node, "store", "must not contain NUL characters");
      return std::nullopt;
    }
    return text;
  }
  if (starts_with("sqlite:")) return resolve_path_text(r, node, "store", dir, text->substr(starts_with("sqlite://") ? 9 : 7));
  return resolve_path_text(r, node, "store", dir, text);
}

void parse_data(YamlReader& r, const YAML::Node& node, const std::string& dir, bool check_paths,
                DataEntry& out) {
  const std::string path = "data";
  out.root = dir;
  if (!node.IsDefined()) {
    out.vocab_size = kSyntheticDefaultVocab;
    return;
  }
  if (!r.check_map(node, path, kDataKeys)) return;
  if (const YAML::Node n = node["kind"]; n.IsDefined()) {
    if (auto v = r.choice(n, child_path(path, "kind"), kKinds, "data kind")) out.kind = *v;
  }
  const bool synthetic = out.kind == "synthetic";
  const bool text = out.kind == "text";

  if (const YAML::Node n = node["paths"]; n.IsDefined()) {
    const std::string p = child_path(path, "paths");
    if (synthetic) {
      r.error(n, p, "the synthetic source reads no files; remove paths or set kind: text or shards");
    } else if (auto items = r.list(n, p, /*scalar_ok=*/true)) {
      for (size_t i = 0; i < items->size(); ++i) {
        const std::string ip = n.IsSequence() ? index_path(p, i) : p;
        const std::optional<std::string> s = r.string((*items)[i], ip);
        if (!s) continue;
        if (s->empty()) {
          r.error((*items)[i], ip, "must not be empty");
          continue;
        }
        const std::string pattern = absolute_in(*s, dir);
        if (!check_paths || check_data_path(r, (*items)[i], ip, *s, pattern, dir))
          out.paths.push_back(pattern);
      }
    }
  } else if (!synthetic) {
    r.error(node, child_path(path, "paths"), fmt::format("is required for kind {}", out.kind));
  }

  bool sentencepiece = false;
  if (const YAML::Node n = node["tokenizer"]; n.IsDefined()) {
    const std::string p = child_path(path, "tokenizer");
    if (!text) {
      r.error(n, p, fmt::format("only text data is tokenized; kind {} takes no tokenizer", out.kind));
    } else if (auto s = r.string(n, p)) {
      if (*s == "bytes") {
        out.tokenizer = "bytes";
      } else if (s->empty()) {
        r.error(n, p, "must be 'bytes' or the path of a sentencepiece model");
      } else {
        const std::string file = absolute_in(*s, dir);
        if (std::string why = check_paths ? unreadable_reason(file) : ""; !why.empty()) {
          r.error(n, p, fmt::format("cannot read tokenizer model '{}': {}", *s, why));
        } else {
          out.tokenizer = file;
          sentencepiece = true;
        }
      }
    }
  }

  const YAML::Node vocab = node["vocab"];
  if (vocab.IsDefined()) {
    const std::string p = child_path(path, "vocab");
    if (auto v = r.integer(vocab, p, synthetic ? kSyntheticMinVocab : 2, kMaxVocab)) {
      if (text && !sentencepiece && *v != kBytesVocab) {
        r.error(vocab, p, fmt::format("byte-level text has a vocabulary of {}, got {}", kBytesVocab, *v));
      } else {
        out.vocab_size = static_cast<int>(*v);
      }
    }
  } else if (synthetic) {
    out.vocab_size = kSyntheticDefaultVocab;
  } else if (text && !sentencepiece) {
    out.vocab_size = kBytesVocab;
  } else {
    r.error(node, child_path(path, "vocab"),
            text ? "is required with a sentencepiece tokenizer (its vocabulary size)"
                 : "is required for shards (the vocabulary size of their tokenizer)");
  }

  if (const YAML::Node n = node["seed"]; n.IsDefined()) {
    if (auto v = r.integer(n, child_path(path, "seed"), 0, INT64_MAX)) out.seed = static_cast<uint64_t>(*v);
  }
  if (const YAML::Node n = node["heldout_fraction"]; n.IsDefined()) {
    if (auto v = r.real(n, child_path(path, "heldout_fraction"), 0, 0.5, /*lo_open=*/true)) {
      out.heldout_fraction = *v;
    }
  }
  if (const YAML::Node n = node["synthetic_order"]; n.IsDefined()) {
    const std::string p = child_path(path, "synthetic_order");
    if (!synthetic) {
      r.error(n, p, fmt::format("applies to the synthetic source only, not kind {}", out.kind));
    } else if (auto v = r.integer(n, p, 0, kMaxSyntheticOrder)) {
      out.synthetic_order = static_cast<int>(*v);
    }
  }
}

}  // namespace lps::config::detail
