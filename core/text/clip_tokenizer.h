#pragma once
// CLIP's byte-level BPE tokenizer, identical to transformers' slow CLIPTokenizer with ftfy installed
// (what diffusers pipelines use):
//   split out special tokens (<|startoftext|>, <|endoftext|>, and "!" for SDXL's tokenizer_2, whose pad token
//   "!" is registered as a special token) -> per piece: ftfy.fix_text -> collapse whitespace, strip -> lower-case
//   -> the pre-tokenizer regex ('s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+) -> bytes mapped to printable
//   characters -> BPE with "</w>" on the last symbol -> vocabulary ids.
// A padded sequence is BOS (49406), at most 75 content ids, EOS (49407), then pad_id up to 77.
#include <ATen/ATen.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "text/token_encoder.h"

namespace ripen::text {

class ClipTokenizer : public TokenEncoder {
 public:
  struct Options {
    int64_t pad_id = 49407;    // SD1/SD2/SDXL tokenizer: <|endoftext|>; SDXL tokenizer_2: 0 ("!")
    bool bang_as_pad = false;  // SDXL tokenizer_2: every literal "!" is the special pad token (id 0)
    int64_t max_length = 77;
  };

  // vocab.json (token -> id) and merges.txt ("#version" line, then one "a b" merge per line).
  static ClipTokenizer from_files(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt,
                                  Options options);
  static ClipTokenizer from_files(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt) {
    return from_files(vocab_json, merges_txt, Options{});
  }
  // A diffusers tokenizer folder (vocab.json, merges.txt); pad token and max length from
  // special_tokens_map.json / tokenizer_config.json when present ("!" pad -> SDXL tokenizer_2 options).
  static ClipTokenizer from_folder(const std::filesystem::path& dir);
  // Options a diffusers tokenizer folder asks for (defaults when its JSON files are absent).
  static Options options_from_folder(const std::filesystem::path& dir);
  // The OpenAI CLIP vocabulary shipped with Ripen (for single-file checkpoints, which carry none).
  static ClipTokenizer bundled(Options options);
  static ClipTokenizer bundled() { return bundled(Options{}); }

  // Content ids: no BOS/EOS, no truncation.
  std::vector<int64_t> encode(std::string_view text) const override;
  // The BPE strings of the content (debugging; what transformers' tokenize() returns).
  std::vector<std::string> tokenize(std::string_view text) const;
  // BOS + first (max_length - 2) content ids + EOS, padded with pad_id to max_length.
  std::vector<int64_t> encode_padded(std::string_view text) const override;
  // int64 [N, max_length].
  at::Tensor encode_batch(const std::vector<std::string>& prompts) const override;
  // Ids back to text ("</w>" becomes a space; special tokens are dropped).
  std::string decode(const std::vector<int64_t>& ids) const;

  int64_t bos_id() const override { return bos_id_; }
  int64_t eos_id() const override { return eos_id_; }
  int64_t pad_id() const override { return options_.pad_id; }
  int64_t max_length() const override { return options_.max_length; }
  const Options& options() const { return options_; }
  size_t vocab_size() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
  Options options_;
  int64_t bos_id_ = 49406, eos_id_ = 49407;
};

// The folder holding the shipped vocab.json / merges.txt: $RIPEN_CLIP_VOCAB_DIR, else <install prefix>/share/ripen/clip
// or resources/clip in the source tree (searched from the executable's location upwards). Throws ripen::Error
// naming the places it looked.
std::filesystem::path clip_resources_dir();

}  // namespace ripen::text
