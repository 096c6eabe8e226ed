// Tokenizers for text sources: raw bytes (vocabulary 256) or a trained sentencepiece model.
// Sentencepiece headers stay in src/; this header names only plain types.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lps::data {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  [[nodiscard]] virtual std::vector<int32_t> encode(std::string_view text) const = 0;
  [[nodiscard]] virtual int vocab_size() const = 0;
  // Identifies the tokenizer for caches: "bytes", or "sentencepiece:<sha256 of the model file>".
  [[nodiscard]] virtual std::string id() const = 0;
};

// "bytes" → the byte tokenizer; anything else is a path to a sentencepiece .model file.
// Throws lps::IoError when the model cannot be loaded.
[[nodiscard]] std::unique_ptr<Tokenizer> make_tokenizer(const std::string& spec);

struct SentencePieceTrainOptions {
  std::vector<std::string> inputs;     // text files (one sentence/paragraph per line is best)
  std::string model_prefix;           // writes <prefix>.model and <prefix>.vocab
  int vocab_size = 8000;              // ≤ 65,536 keeps shards at 2 bytes per token
  std::string model_type = "bpe";     // bpe | unigram | char | word
  double character_coverage = 0.9995; // sentencepiece's default for most languages
  int64_t input_sentence_size = 2000000;  // lines sampled for training (0 = all)
  uint64_t seed = 0;                  // sentencepiece's sampling seed
};

// Trains a sentencepiece model; throws lps::Error(kUserInput) with sentencepiece's message on failure.
void train_sentencepiece(const SentencePieceTrainOptions& options);

}  // namespace lps::data
