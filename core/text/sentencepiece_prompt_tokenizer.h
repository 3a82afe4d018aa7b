#pragma once
// A SentencePiece model in the fixed-length prompt layout that the embedded model (ripen-emoji) was trained
// with: [bos] content ids [eos], padded with pad_id to max_length (77); the empty prompt is [bos, eos, pad...].
// A tokenizer folder holds the model file and tokenizer_config.json (tokenizer_class "SentencePieceTokenizer",
// model_file, bos/eos/pad_token_id, model_max_length); ids absent there come from the SentencePiece model.
#include <filesystem>

#include "text/sentencepiece_tokenizer.h"
#include "text/token_encoder.h"

namespace ripen::text {

class SentencePiecePromptTokenizer : public TokenEncoder {
 public:
  struct Layout {
    int64_t bos_id = 2, eos_id = 3, pad_id = 0, max_length = 77;
  };
  SentencePiecePromptTokenizer(SentencePieceTokenizer sp, Layout layout) : sp_(std::move(sp)), layout_(layout) {}

  static SentencePiecePromptTokenizer from_folder(const std::filesystem::path& dir);
  // True when `dir` is a SentencePiece tokenizer folder (its config says so, or it holds spiece.model).
  static bool is_sentencepiece_folder(const std::filesystem::path& dir);

  std::vector<int64_t> encode(std::string_view text) const override { return sp_.encode(text); }
  int64_t bos_id() const override { return layout_.bos_id; }
  int64_t eos_id() const override { return layout_.eos_id; }
  int64_t pad_id() const override { return layout_.pad_id; }
  int64_t max_length() const override { return layout_.max_length; }
  const SentencePieceTokenizer& sentencepiece() const { return sp_; }

 private:
  SentencePieceTokenizer sp_;
  Layout layout_;
};

}  // namespace ripen::text
