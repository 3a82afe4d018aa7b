#pragma once
// What prompt weighting and conditioning need from a tokenizer: content ids for a piece of text, and the
// fixed-length row layout BOS + content + EOS + pad. ClipTokenizer (BPE) and SentencePiecePromptTokenizer
// (the embedded model) implement it, so TextConditioner works with either.
#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ripen::text {

class TokenEncoder {
 public:
  virtual ~TokenEncoder() = default;

  // Content ids: no BOS/EOS, no truncation.
  virtual std::vector<int64_t> encode(std::string_view text) const = 0;
  virtual int64_t bos_id() const = 0;
  virtual int64_t eos_id() const = 0;
  virtual int64_t pad_id() const = 0;
  virtual int64_t max_length() const = 0;

  // BOS + first (max_length - 2) content ids + EOS, padded with pad_id to max_length.
  virtual std::vector<int64_t> encode_padded(std::string_view text) const;
  // int64 [N, max_length].
  virtual at::Tensor encode_batch(const std::vector<std::string>& prompts) const;
};

}  // namespace ripen::text
