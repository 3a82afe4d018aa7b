#pragma once
// Prompt weighting and long prompts, AUTOMATIC1111 style.
//
// Syntax (A1111's parse_prompt_attention):
//   (text)        weight x 1.1            ((text)) = x 1.21, nesting multiplies
//   [text]        weight x 1/1.1
//   (text:1.3)    weight x 1.3            (any number: 0.5, -1, .8; "(a (b:2) c)" gives b 2.2)
//   \( \) \[ \]   literal brackets, \\ a literal backslash (a lone "\" is dropped, as in A1111)
//   BREAK         (upper-case, a word of its own) ends the current 75-token chunk
//   Unclosed "(" / "[" apply to the end of the prompt; unmatched ")" / "]" and a ":" outside "(...:w)" are text.
//
// Chunks: the prompt's tokens (each weighted span tokenized on its own, as A1111 does) are cut into chunks of
// 75; each chunk becomes BOS + tokens + EOS + pad to 77 (the layout of transformers / ComfyUI, so an unweighted
// prompt of <= 75 tokens gives exactly the ids of ClipTokenizer::encode_padded). As in A1111, when a chunk is full
// and a comma lies within the last `comma_backtrack` tokens, the text after the comma moves to the next chunk.
// The encoder runs once per chunk and the outputs are concatenated along the sequence: [B, 77*k, C].
//
// Weights are applied to the encoder output A1111's way: z' = z * w, then z' *= mean(z) / mean(z') (per sample),
// so emphasis changes direction, not overall magnitude.
#include <ATen/ATen.h>

#include <string>
#include <string_view>
#include <vector>

#include "text/clip_tokenizer.h"  // callers use ClipTokenizer with these functions
#include "text/prompt_embeddings.h"
#include "text/token_encoder.h"

namespace ripen::text {

struct WeightedSpan {
  std::string text;
  double weight = 1.0;
  bool is_break = false;  // a BREAK marker (text empty)
  bool operator==(const WeightedSpan& o) const { return text == o.text && weight == o.weight && is_break == o.is_break; }
};

// Spans in prompt order; adjacent spans of equal weight are merged; never empty ("" with weight 1 at least).
std::vector<WeightedSpan> parse_prompt_weights(std::string_view prompt, bool enable_break = true);

struct ChunkOptions {
  int comma_backtrack = 20;  // A1111's default "comma padding backtrack"; 0 disables
  bool enable_break = true;
};

struct WeightedChunks {
  std::vector<std::vector<int64_t>> ids;     // k chunks of 77 ids
  std::vector<std::vector<float>> weights;   // k x 77 (1 for BOS/EOS/pad)
  std::vector<std::vector<EmbeddingFix>> fixes;  // k lists: the embeddings' vectors at their positions (ids there: 0)
  int64_t token_count = 0;                   // content tokens in the prompt (an embedding counts its vectors)

  size_t size() const { return ids.size(); }
  bool all_weights_one() const;
  at::Tensor ids_tensor() const;      // int64 [k, 77]
  at::Tensor weights_tensor() const;  // float [k, 77]
  // Appends chunks of the empty prompt until there are k (to line up cond and uncond).
  void pad_to(size_t k, const TokenEncoder& tokenizer);
};

// With `embeddings`, their names in the prompt become their vectors (text/prompt_embeddings.h).
WeightedChunks tokenize_weighted(const TokenEncoder& tokenizer, std::string_view prompt, const ChunkOptions& options,
                                 const PromptEmbeddings* embeddings = nullptr);
inline WeightedChunks tokenize_weighted(const TokenEncoder& tokenizer, std::string_view prompt) {
  return tokenize_weighted(tokenizer, prompt, ChunkOptions{});
}

// hidden [B, T, C], weights [B, T] (or [T]) -> weighted hidden with each sample's original mean restored.
// Returns `hidden` itself when every weight is 1.
at::Tensor apply_prompt_weights(const at::Tensor& hidden, const at::Tensor& weights);

}  // namespace ripen::text
