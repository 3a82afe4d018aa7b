#pragma once
// Prompt text -> what the UNet is conditioned on, per architecture:
//   SD1:  last_hidden_state (A1111 clip skip k >= 2: final LN of hidden_states[-k]).
//   SD2:  final LN of the penultimate layer of OpenCLIP ViT-H. diffusers folders store that encoder with its last
//         layer already removed (23 layers), so there it is last_hidden_state; a 24-layer encoder (LDM single file)
//         takes hidden_states[-2]. Clip skip k >= 2 moves k-1 layers further up.
//   SDXL: cat([te1 hidden_states[-2], te2 hidden_states[-2]], features), no final LN (clip skip k: [-(k+1)]);
//         pooled = te2 text_embeds of the first chunk. An empty negative prompt gives zeros for both
//         (diffusers' force_zeros_for_empty_prompt).
// Prompts use the weighting syntax of prompt_weights.h; long prompts are encoded in 75-token chunks and
// concatenated along the sequence, giving context [B, 77*k, C]. All prompts of one call (and a cond/uncond pair)
// are padded with empty-prompt chunks to the same k.
#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "text/clip_text_model.h"
#include "text/clip_tokenizer.h"
#include "text/prompt_weights.h"

namespace ripen::text {

enum class TextArch { SD1, SD2, SDXL };

struct TextEncoderRef {
  const TokenEncoder* tokenizer = nullptr;  // ClipTokenizer, or SentencePiecePromptTokenizer (embedded model)
  const ClipTextModel* model = nullptr;
  // Textual-inversion embeddings for this encoder (text/prompt_embeddings.h); null: none. SDXL's two sets must
  // give each embedding the same number of vectors, so both encoders' chunks line up.
  const PromptEmbeddings* embeddings = nullptr;
};

struct ConditioningOptions {
  int clip_skip = 1;          // A1111 "Clip skip": 1 = the architecture's default layer
  bool parse_weights = true;  // false: the prompt is plain text (brackets are tokens), still chunked
  ChunkOptions chunks;
  bool zeros_for_empty_negative = true;  // SDXL only
};

struct TextConditioning {
  at::Tensor context;  // [B, 77*k, C] in the encoder's dtype/device
  at::Tensor pooled;   // [B, P] (SDXL); undefined otherwise
};

class TextConditioner {
 public:
  // SD1/SD2: one encoder; SDXL: {te1, te2}. The pointed-to objects must outlive the conditioner.
  TextConditioner(TextArch arch, std::vector<TextEncoderRef> encoders);

  TextConditioning encode(const std::vector<std::string>& prompts, const ConditioningOptions& options = {}) const;
  // Positive and negative prompts lined up to the same chunk count (for CFG). `negatives` is either empty
  // (all "") or one per prompt.
  std::pair<TextConditioning, TextConditioning> encode_pair(const std::vector<std::string>& prompts,
                                                            const std::vector<std::string>& negatives,
                                                            const ConditioningOptions& options = {}) const;

  TextArch arch() const { return arch_; }

 private:
  std::vector<WeightedChunks> chunk(const TextEncoderRef& encoder, const std::vector<std::string>& prompts,
                                    const ConditioningOptions& o) const;
  TextConditioning encode_chunks(const std::vector<std::vector<WeightedChunks>>& per_encoder, size_t k,
                                 const ConditioningOptions& o) const;
  at::Tensor select_layer(size_t encoder, const ClipTextOutput& out, int clip_skip) const;

  TextArch arch_;
  std::vector<TextEncoderRef> encoders_;
};

}  // namespace ripen::text
