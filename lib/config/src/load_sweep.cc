// load_sweep_file / load_sweep_string: the top level of a sweep file, the size and depth guards, and the
// checks that need several sections at once (grid size, budgets against step sizes).
#include <fmt/format.h>
#include <lps/config/load_sweep.h>
#include <lps/core/error.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "section_parsers.h"
#include "yaml_reader.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

namespace lps::config {

namespace {

namespace fs = std::filesystem;
using detail::YamlReader;

constexpr std::array<std::string_view, 16> kTopKeys{
    "name",  "store", "output", "data",       "models", "tokens",          "tokens_per_param", "schemes",
    "seeds", "train", "eval",   "checkpoint", "retry",  "log_every_steps", "max_runs",         "fit"};
constexpr size_t kMaxNodes = 200'000;  // after alias expansion: guards against "billion laughs" files
constexpr int64_t kMaxMaxRuns = 10'000'000;
constexpr int64_t kMaxLogEvery = 1'000'000'000;

[[noreturn]] void fail(const std::string& file, int line, int col, std::string message) {
  throw UserInputError({Diagnostic{file, line, col, "", std::move(message)}});
}

// Walks the tree without recursion; refuses nesting deeper than max_depth or more than kMaxNodes nodes.
void check_shape(const YAML::Node& root, const std::string& file, int max_depth) {
  std::vector<std::pair<YAML::Node, int>> stack{{root, 1}};
  size_t visited = 0;
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    if (++visited > kMaxNodes) {
      const SourceLoc at = detail::loc_of(node);
      fail(file, at.line, at.col,
           fmt::format("holds more than {} values (after expanding aliases); sweep files are small",
                       kMaxNodes));
    }
    if (!node.IsSequence() && !node.IsMap()) continue;
    if (depth > max_depth) {
      const SourceLoc at = detail::loc_of(node);
      fail(file, at.line, at.col,
           fmt::format("nested deeper than {} levels; sweep files need a handful", max_depth));
    }
    for (const auto& item : node) {
      if (node.IsMap()) {
        stack.emplace_back(item.first, depth + 1);
        stack.emplace_back(item.second, depth + 1);
      } else {
        stack.emplace_back(item, depth + 1);
      }
    }
  }
}

// 1-based line and column of byte `offset` of `text`.
SourceLoc loc_of_offset(std::string_view text, size_t offset) {
  SourceLoc at{1, 1};
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++at.line;
      at.col = 1;
    } else {
      ++at.col;
    }
  }
  return at;
}

// Where each document of a YAML stream starts (its first node, 1-based). yaml-cpp 0.7's YAML::LoadAll never
// returns on a stream that starts with a stray flow indicator such as ',' (found by tests/fuzz): the parser
// hands out empty documents at the same place forever, and LoadAll collects them until memory runs out.
// So documents are counted here, one event stream at a time, and one that makes no progress is a syntax error.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<SourceLoc> starts;  // first node of each document
  std::vector<size_t> offsets;    // byte offset of each document's start

  void OnDocumentStart(const YAML::Mark& mark) override {
    offsets.push_back(static_cast<size_t>(mark.pos));
    first_node_ = true;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) {
    if (!first_node_) return;
    first_node_ = false;
    starts.push_back(SourceLoc{mark.line + 1, mark.column + 1});
  }
  bool first_node_ = false;
};

std::vector<SourceLoc> document_starts(std::string_view yaml, const std::string& file) {
  std::istringstream in{std::string(yaml)};
  YAML::Parser parser(in);
  DocumentStarts documents;
  while (parser.HandleNextDocument(documents)) {
    const size_t n = documents.offsets.size();
    if (n >= 2 && documents.offsets[n - 1] <= documents.offsets[n - 2]) {
      const SourceLoc at = loc_of_offset(yaml, documents.offsets[n - 1]);
      const size_t pos = documents.offsets[n - 1];
      const std::string what = pos < yaml.size() && static_cast<unsigned char>(yaml[pos]) >= 0x20 &&
                                       static_cast<unsigned char>(yaml[pos]) < 0x7f
                                   ? fmt::format("unexpected '{}'", yaml[pos])
                                   : std::string("unexpected character");
      fail(file, at.line, at.col, "YAML syntax error: " + what + " where a document should start");
    }
  }
  return documents.starts;
}

YAML::Node parse_yaml(std::string_view yaml, const std::string& file, const LoadOptions& options) {
  if (yaml.size() > options.max_bytes) {
    // Located at the first byte past the limit (every rejection names a place: docs/fuzzing.md).
    const SourceLoc at = loc_of_offset(yaml, options.max_bytes);
    fail(file, at.line, at.col,
         fmt::format("is {} bytes; sweep files are limited to {} bytes",
                     detail::with_commas(static_cast<int64_t>(yaml.size())),
                     detail::with_commas(static_cast<int64_t>(options.max_bytes))));
  }
  std::vector<SourceLoc> starts;
  YAML::Node root;
  try {
    starts = document_starts(yaml, file);
    if (starts.size() == 1) root = YAML::Load(std::string(yaml));
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own depth limit (its message reads "bad file"): far deeper than max_depth anyway.
    fail(file, e.mark.is_null() ? 1 : e.mark.line + 1, e.mark.is_null() ? 1 : e.mark.column + 1,
         fmt::format("nested deeper than {} levels; sweep files need a handful", options.max_depth));
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    const int col = e.mark.is_null() ? 0 : e.mark.column + 1;
    fail(file, line, col, "YAML syntax error: " + e.msg);
  }
  if (starts.size() > 1) {
    fail(file, starts[1].line, starts[1].col,
         fmt::format("holds {} YAML documents; a sweep file holds one", starts.size()));
  }
  if (starts.empty() || root.IsNull()) {
    fail(file, 1, 1,
         "is empty; a sweep needs at least name, models, tokens and schemes (docs/sweep-spec.md)");
  }
  check_shape(root, file, options.max_depth);
  return root;
}

int64_t grid_size(const SweepSpec& s) {
  const int64_t budgets = static_cast<int64_t>(s.tokens.counts.size() + s.tokens.per_param.size());
  return static_cast<int64_t>(s.models.size()) * budgets * static_cast<int64_t>(s.schemes.size()) *
         static_cast<int64_t>(s.seeds.size());
}

void check_grid(YamlReader& r, const YAML::Node& root, const SweepSpec& s) {
  const int64_t runs = grid_size(s);
  if (runs > s.max_runs) {
    r.error(
        root, "",
        fmt::format(
            "the sweep expands to {} runs ({} models × {} token budgets × {} schemes × {} seeds), more "
            "than max_runs ({}); shrink the grid or raise max_runs",
            detail::with_commas(runs), s.models.size(), s.tokens.counts.size() + s.tokens.per_param.size(),
            s.schemes.size(), s.seeds.size(), detail::with_commas(s.max_runs)));
  }
  // An absolute budget must hold at least one optimizer step of every model.
  for (size_t i = 0; i < s.tokens.counts.size(); ++i) {
    const ModelEntry* worst = nullptr;
    for (const ModelEntry& m : s.models) {
      if (worst == nullptr || m.seq_len > worst->seq_len) worst = &m;
    }
    if (worst == nullptr) break;
    const int64_t step = s.train.batch_seqs * worst->seq_len;
    if (s.tokens.counts[i] < step) {
      r.error(s.tokens.count_locs[i],
              root["tokens"].IsSequence() ? detail::index_path("tokens", i) : "tokens",
              fmt::format(
                  "{} tokens is less than one optimizer step of model '{}' ({} sequences × {} tokens = {})",
                  detail::with_commas(s.tokens.counts[i]), worst->name, s.train.batch_seqs, worst->seq_len,
                  detail::with_commas(step)));
    }
  }
}

}  // namespace

SweepSpec load_sweep_string(std::string_view yaml, const std::string& filename, const LoadOptions& options) {
  const YAML::Node root = parse_yaml(yaml, filename, options);
  DiagnosticList problems;
  YamlReader r(filename, problems);
  if (!r.check_map(root, "", kTopKeys, "a mapping of sweep keys (name, models, tokens, schemes, ...)")) {
    problems.throw_if_any();
  }

  SweepSpec s;
  s.file = filename;
  const fs::path parent = fs::path(filename).parent_path();
  s.dir = fs::absolute(parent.empty() ? fs::current_path() : parent).lexically_normal().string();
  if (s.dir.size() > 1 && s.dir.back() == '/') s.dir.pop_back();
  const std::string stem =
      fs::path(filename).stem().string().empty() ? "sweep" : fs::path(filename).stem().string();

  if (r.require(root, "name", "")) {
    if (auto v = r.name(root["name"], "name")) s.name = *v;
  }
  s.store = (fs::path(s.dir) / (stem + ".db")).string();
  s.output = (fs::path(s.dir) / (stem + "-out")).string();
  if (const YAML::Node n = root["store"]; n.IsDefined()) {
    if (auto v = detail::resolve_store(r, n, s.dir)) s.store = *v;
  }
  if (const YAML::Node n = root["output"]; n.IsDefined()) {
    if (auto v = detail::resolve_output_path(r, n, "output", s.dir)) s.output = *v;
  }
  if (s.store == s.output) {
    // Point at whichever of the two the file wrote (the other is the default).
    if (root["output"].IsDefined()) {
      r.error(root["output"], "output", "must differ from store");
    } else {
      r.error(root["store"], "store", fmt::format("is the default output folder ({}); name another file", s.output));
    }
  }

  detail::parse_data(r, root["data"], s.dir, options.check_data_paths, s.data);
  detail::parse_train(r, root["train"], s.train);
  if (r.require(root, "models", "")) detail::parse_models(r, root["models"], s.train.seq_len, s.models);
  detail::parse_lr(r, root["train"], s.models, s.train.lr);
  detail::parse_token_budgets(r, root["tokens"], root["tokens_per_param"], root, s.tokens);
  if (r.require(root, "schemes", "")) detail::parse_schemes(r, root["schemes"], s.schemes);
  detail::parse_seeds(r, root["seeds"], s.seeds);
  detail::parse_eval(r, root["eval"], s.eval);
  detail::parse_checkpoint(r, root["checkpoint"], s.checkpoint);
  detail::parse_retry(r, root["retry"], s.retry);
  if (const YAML::Node n = root["log_every_steps"]; n.IsDefined()) {
    if (auto v = r.integer(n, "log_every_steps", 1, kMaxLogEvery)) s.log_every_steps = *v;
  }
  if (const YAML::Node n = root["max_runs"]; n.IsDefined()) {
    if (auto v = r.integer(n, "max_runs", 1, kMaxMaxRuns)) s.max_runs = *v;
  }
  detail::parse_fit(r, root["fit"], s.schemes, s.fit);
  check_grid(r, root, s);
  if (!problems.empty()) {
    // Report in file order (sections are read in dependency order); unlocated problems last.
    std::vector<Diagnostic> sorted = problems.items();
    std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic& a, const Diagnostic& b) {
      auto order = [](const Diagnostic& d) { return std::pair(d.line == 0 ? INT_MAX : d.line, d.col); };
      return order(a) < order(b);
    });
    throw UserInputError(std::move(sorted));
  }
  return s;
}

SweepSpec load_sweep_file(const std::string& path, const LoadOptions& options) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw IoError(fmt::format("{}: is a folder, not a sweep file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open the sweep file: {}", path, std::strerror(errno)));
  // Read at most max_bytes + 1 so that a huge file is refused without being read whole.
  std::string text(options.max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) throw IoError(fmt::format("{}: cannot read the sweep file", path));
  return load_sweep_string(text, path, options);
}

}  // namespace lps::config
