#pragma once
// Stage 1 of a generation: prompts → the UNet's conditioning batches, built once per run.
// Prompt weighting, 75-token chunks, clip skip and SDXL's zeros for an empty negative happen in
// text::TextConditioner; this stage batches the result for CFG ([uncond × B, cond × B] and [cond × B]) and adds
// SDXL's added conditions (pooled text and the size ids, which the hires pass changes for its 2x size).
#include <ATen/ATen.h>

#include "nets/unet.h"
#include "pipeline/request.h"
#include "text/prompt_embeddings.h"

namespace ripen {

namespace models { struct LoadedModel; }

struct Conditioning {
  at::Tensor ctx_both, ctx_cond;    // [2B, T, C] (uncond rows first) and [B, T, C]
  UNetAddedCond added_both, added_cond;
  bool has_added = false;           // SDXL
  int64_t batch = 0;

  const at::Tensor& context(bool both) const { return both ? ctx_both : ctx_cond; }
  const UNetAddedCond* added(bool both) const { return has_added ? (both ? &added_both : &added_cond) : nullptr; }
  // SDXL's time ids for an image of this size (original = target size, no crop); no-op for other models.
  void set_image_size(int height, int width);
};

// The prompts as encoded, when they differ from the request's: LoRA tags removed (lora/request_networks.h), and the
// textual-inversion embeddings they use, one set per text encoder (empty: none).
struct PromptText {
  std::string prompt, negative_prompt;
  std::vector<text::PromptEmbeddings> embeddings;
};

// Throws ripen::Error when the model lacks a text encoder it needs.
Conditioning encode_conditioning(const models::LoadedModel& model, const GenerationRequest& request);
Conditioning encode_conditioning(const models::LoadedModel& model, const GenerationRequest& request, const PromptText& text);

}  // namespace ripen
