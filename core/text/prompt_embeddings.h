#pragma once
// Textual-inversion embeddings in a prompt. A1111 (modules/textual_inversion/textual_inversion.py, sd_hijack_clip.py):
// a run of prompt tokens equal to the tokens of an embedding's name (its file stem; the longest name wins) stands
// for the embedding's n vectors. ComfyUI (comfy/sd1_clip.py): the word `embedding:NAME` does (a trailing ',' is
// not part of NAME). Either way the n vectors take n positions of the token sequence and count toward the
// 75-token chunks; an embedding that does not fit in the current chunk starts the next one, as in A1111. The text
// encoder reads those positions' token embeddings from the embedding instead of its table (EmbeddingFix).
#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text/token_encoder.h"

namespace ripen::text {

struct PromptEmbedding {
  std::string name;    // the prompt word and the `embedding:` name
  std::string source;  // the file it came from, for messages
  at::Tensor vectors;  // [n, C] for the encoder this set belongs to
};

// Positions of one 77-token row whose token embeddings are `vectors` ([n, C]) from `offset` on (BOS is 0).
struct EmbeddingFix {
  int64_t offset = 0;
  at::Tensor vectors;
};

// The embeddings one text encoder knows, matched against that encoder's tokenizer.
class PromptEmbeddings {
 public:
  PromptEmbeddings() = default;
  // Throws ripen::Error naming the source when vectors are not [n, C] with n >= 1, or n exceeds a chunk.
  PromptEmbeddings(const TokenEncoder& tokenizer, std::vector<PromptEmbedding> embeddings);

  bool empty() const { return list_.empty(); }
  const std::vector<PromptEmbedding>& embeddings() const { return list_; }
  // The embedding whose name's ids start at ids[pos] (the longest such); `length` = how many ids it covers.
  const PromptEmbedding* match(const std::vector<int64_t>& ids, size_t pos, size_t& length) const;
  const PromptEmbedding* by_name(std::string_view name) const;

 private:
  std::vector<PromptEmbedding> list_;
  std::vector<std::vector<int64_t>> name_ids_;  // list_[i]'s name, tokenized
};

}  // namespace ripen::text
