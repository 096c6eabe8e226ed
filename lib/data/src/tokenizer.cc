// Byte and sentencepiece tokenizers, and sentencepiece training (Debian's libsentencepiece).
#include <lps/data/tokenizer.h>

#include <lps/core/error.h>
#include <lps/core/sha256.h>

#include <fmt/format.h>
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

namespace lps::data {
namespace {

class ByteTokenizer final : public Tokenizer {
 public:
  [[nodiscard]] std::vector<int32_t> encode(std::string_view text) const override {
    std::vector<int32_t> ids(text.size());
    for (size_t i = 0; i < text.size(); ++i) ids[i] = static_cast<unsigned char>(text[i]);
    return ids;
  }
  [[nodiscard]] int vocab_size() const override { return 256; }
  [[nodiscard]] std::string id() const override { return "bytes"; }
};

class SentencePieceTokenizer final : public Tokenizer {
 public:
  explicit SentencePieceTokenizer(const std::string& path) {
    const auto status = processor_.Load(path);
    if (!status.ok()) {
      throw IoError(fmt::format("{}: cannot load sentencepiece model: {} (train one with `lpsweep tokenize --train`)",
                                path, status.ToString()));
    }
    id_ = "sentencepiece:" + sha256_file_hex(path);
  }
  [[nodiscard]] std::vector<int32_t> encode(std::string_view text) const override {
    std::vector<int> ids;
    std::vector<int32_t> out;
    // Line by line: sentencepiece normalises whitespace within a line; long inputs stay cheap.
    size_t begin = 0;
    while (begin < text.size()) {
      size_t end = text.find('\n', begin);
      if (end == std::string_view::npos) end = text.size();
      ids.clear();
      const auto status = processor_.Encode(text.substr(begin, end - begin), &ids);
      if (!status.ok()) throw Error(ErrorKind::kRun, "sentencepiece encode failed: " + status.ToString());
      out.insert(out.end(), ids.begin(), ids.end());
      begin = end + 1;
    }
    return out;
  }
  [[nodiscard]] int vocab_size() const override { return processor_.GetPieceSize(); }
  [[nodiscard]] std::string id() const override { return id_; }

 private:
  sentencepiece::SentencePieceProcessor processor_;
  std::string id_;
};

}  // namespace

std::unique_ptr<Tokenizer> make_tokenizer(const std::string& spec) {
  if (spec.empty() || spec == "bytes") return std::make_unique<ByteTokenizer>();
  return std::make_unique<SentencePieceTokenizer>(spec);
}

void train_sentencepiece(const SentencePieceTrainOptions& options) {
  if (options.inputs.empty()) throw Error(ErrorKind::kUserInput, "tokenize: no input text files given");
  if (options.model_prefix.empty()) throw Error(ErrorKind::kUserInput, "tokenize: no model prefix given");
  std::string inputs;
  for (const auto& in : options.inputs) inputs += (inputs.empty() ? "" : ",") + in;
  const std::string args = fmt::format(
      "--input={} --model_prefix={} --vocab_size={} --model_type={} --character_coverage={} "
      "--input_sentence_size={} --shuffle_input_sentence=true --byte_fallback=true "
      "--minloglevel=1",
      inputs, options.model_prefix, options.vocab_size, options.model_type, options.character_coverage,
      options.input_sentence_size);
  sentencepiece::SetRandomGeneratorSeed(static_cast<unsigned int>(options.seed));
  const auto status = sentencepiece::SentencePieceTrainer::Train(args);
  if (!status.ok()) {
    throw Error(ErrorKind::kUserInput, fmt::format("tokenize: sentencepiece training failed: {}", status.ToString()));
  }
}

}  // namespace lps::data
