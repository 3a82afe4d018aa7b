#pragma once
// Textual-inversion embeddings from files, safetensors only (A1111 modules/textual_inversion/textual_inversion.py
// create_embedding_from_data; ComfyUI comfy/sd1_clip.py load_embed):
//   SD1 / SD2: one tensor [n, C] or [C] (A1111's and kohya's key `emb_params`, or a diffusers concept's own
//              name); C must be the text encoder's width (768 SD1, 1024 SD2).
//   SDXL:      `clip_l` [n, 768] for the first text encoder and `clip_g` [n, 1280] for the second, same n.
// A .pt / .bin / .ckpt embedding is a pickle (A1111's `string_to_param` dict lives only in those): it is refused,
// never opened, because unpickling runs whatever code the file carries.
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "lora/network_folders.h"
#include "text/prompt_embeddings.h"
#include "text/token_encoder.h"

namespace ripen::lora {

// One file's vectors per text encoder of a model whose encoders have these widths (SD1 {768}, SDXL {768, 1280}):
// float32 [n, width_e]. Throws ripen::Error naming the file and key (expected vs found shape) on a pickle, a wrong
// width, an SDXL file on a one-encoder model or the reverse, several tensors, or non-finite values.
std::vector<at::Tensor> load_embedding_vectors(const std::string& path, const std::vector<int64_t>& widths);

struct TextEncoderView {
  const text::TokenEncoder* tokenizer = nullptr;
  int64_t width = 0;  // the encoder's hidden size
};

// The embeddings these prompts use, one set per text encoder: each embedding of the listing whose name's tokens
// occur in a prompt (A1111), and each one a ComfyUI `embedding:NAME` word names (NAME as find_network takes it:
// stem or path below the folder). Only those files are opened. Throws ripen::Error when a used name is ambiguous,
// not found (`embedding:NAME`), a pickle, or the wrong shape for this model.
std::vector<text::PromptEmbeddings> prompt_embeddings(const std::vector<std::string>& prompts,
                                                      const NetworkListing& listing, const NetworkFolders& folders,
                                                      const std::vector<TextEncoderView>& encoders);

}  // namespace ripen::lora
