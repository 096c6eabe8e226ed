// `lpsweep tokenize`: train a sentencepiece vocabulary and/or tokenise text files into llm.c-style `.bin`
// token shards (one shard per input file) that `data.kind: shards` reads directly.
#include "commands.h"

#include <lps/core/error.h>
#include <lps/core/log.h>
#include <lps/data/text_source.h>
#include <lps/data/tokenizer.h>

#include <fmt/format.h>

#include <filesystem>
#include <memory>

namespace lps::cli {
namespace {

struct TokenizeArgs {
  std::vector<std::string> inputs;
  std::string train_prefix;  // --train PREFIX: train <PREFIX>.model first
  int vocab_size = 8000;
  std::string model_type = "bpe";
  std::string tokenizer = "bytes";
  std::string out_dir;
  uint64_t seed = 0;
};

void run_tokenize(const TokenizeArgs& args) {
  const std::vector<std::string> files = data::expand_paths(args.inputs);
  std::string tokenizer = args.tokenizer;
  if (!args.train_prefix.empty()) {
    data::SentencePieceTrainOptions o;
    o.inputs = files;
    o.model_prefix = args.train_prefix;
    o.vocab_size = args.vocab_size;
    o.model_type = args.model_type;
    o.seed = args.seed;
    data::train_sentencepiece(o);
    tokenizer = args.train_prefix + ".model";
    fmt::print("trained {} (vocabulary {})\n", tokenizer, args.vocab_size);
  }
  if (args.out_dir.empty()) {
    if (args.train_prefix.empty()) throw Error(ErrorKind::kUserInput, "tokenize: give --train PREFIX, --out DIR, or both");
    return;
  }
  std::error_code ec;
  std::filesystem::create_directories(args.out_dir, ec);
  if (ec) throw IoError(fmt::format("{}: cannot create: {}", args.out_dir, ec.message()));
  int64_t total = 0;
  for (const auto& file : files) {
    const auto out = (std::filesystem::path(args.out_dir) / (std::filesystem::path(file).stem().string() + ".bin")).string();
    const int64_t n = data::tokenize_file(file, tokenizer, out);
    total += n;
    fmt::print("{} → {} ({} tokens)\n", file, out, n);
  }
  fmt::print("{} file{}, {} tokens, tokenizer {}\n", files.size(), files.size() == 1 ? "" : "s", total, tokenizer);
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
  auto args = std::make_shared<TokenizeArgs>();
  auto* cmd = app.add_subcommand("tokenize", "Train a sentencepiece vocabulary and tokenize text into token shards");
  cmd->add_option("inputs", args->inputs, "Text files or glob patterns")->required();
  cmd->add_option("--train", args->train_prefix, "Train a sentencepiece model, written to PREFIX.model/.vocab");
  cmd->add_option("--vocab-size", args->vocab_size, "Vocabulary size for --train (≤ 65536 keeps 2-byte shards)")
      ->capture_default_str();
  cmd->add_option("--model-type", args->model_type, "Sentencepiece model type for --train: bpe | unigram | char | word")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Sentencepiece's sampling seed for --train")->capture_default_str();
  cmd->add_option("--tokenizer", args->tokenizer, "bytes, or a sentencepiece .model (default: the --train result)")
      ->capture_default_str();
  cmd->add_option("--out", args->out_dir, "Write one .bin shard per input file into this folder");
  cmd->callback([args] { run_tokenize(*args); });
}

}  // namespace lps::cli
