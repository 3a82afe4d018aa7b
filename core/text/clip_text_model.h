#pragma once
// CLIP text transformer (transformers' CLIPTextModel / CLIPTextModelWithProjection), parameters bound by the
// HF key names:
//   text_model.embeddings.{token,position}_embedding.weight
//   text_model.encoder.layers.N.{layer_norm1,layer_norm2}.{weight,bias}
//   text_model.encoder.layers.N.self_attn.{q,k,v,out}_proj.{weight,bias}
//   text_model.encoder.layers.N.mlp.{fc1,fc2}.{weight,bias}
//   text_model.final_layer_norm.{weight,bias}
//   text_projection.weight                      (with projection only; no bias)
// Pre-LN blocks, causal mask, no padding mask (pad positions are computed like any other), q scaled by
// head_dim^-0.5, quick_gelu (x*sigmoid(1.702x)) or exact erf gelu. Runs in the parameters' dtype and device.
#include <ATen/ATen.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "nets/layers.h"
#include "tensors/params.h"
#include "text/prompt_embeddings.h"

namespace ripen::text {

struct ClipTextConfig {
  int64_t vocab_size = 49408;
  int64_t hidden_size = 768;
  int64_t num_layers = 12;
  int64_t num_heads = 12;
  int64_t intermediate_size = 3072;
  int64_t max_positions = 77;
  double layer_norm_eps = 1e-5;
  std::string hidden_act = "quick_gelu";  // or "gelu"
  int64_t bos_token_id = 49406;
  int64_t eos_token_id = 49407;  // 2 = the legacy value of SD configs: pool at argmax(ids)
  bool with_projection = false;  // CLIPTextModelWithProjection
  int64_t projection_dim = 768;

  // From a transformers config.json (CLIPTextConfig, or a CLIPConfig's "text_config"). with_projection comes
  // from "architectures" containing CLIPTextModelWithProjection.
  static ClipTextConfig from_json_text(const std::string& json_text, const std::string& origin);
  static ClipTextConfig from_json(const std::filesystem::path& config_json);
};

struct ClipTextOutput {
  at::Tensor last_hidden_state;         // [B, T, C] after the final layer norm
  at::Tensor penultimate_hidden_state;  // hidden_states[-2], no final LN (SDXL)
  at::Tensor penultimate_final_ln;      // final LN of hidden_states[-2] (A1111 clip skip 2; SD2)
  at::Tensor pooler_output;             // [B, C]: final-LN state at the EOS position
  at::Tensor text_embeds;               // [B, P] = pooler_output @ text_projection^T; undefined without projection
  std::vector<at::Tensor> hidden_states;  // embeddings, then the output of every layer (num_layers + 1)
};

class ClipTextModel {
 public:
  // Keys that checkpoints carry but the model does not use (pass to ParamStore::finish as ignore prefixes).
  static const std::vector<std::string>& ignored_keys();

  // `prefix` is put in front of every key ("" for a diffusers text_encoder folder).
  void bind(ParamStore& ps, const ClipTextConfig& config, const std::string& prefix = "");

  // ids: int64 [B, T] with T <= max_positions (moved to the parameters' device).
  // With grad mode off, the outputs of the last few distinct inputs are kept (keyed by the ids and the weights'
  // version counters, so in-place weight updates invalidate them): a repeated prompt, and the empty negative
  // prompt of every generation, cost a copy instead of a forward pass. Returned tensors are always fresh copies.
  ClipTextOutput forward(const at::Tensor& ids) const;
  // With textual-inversion vectors: fixes[b] replaces row b's token embeddings at its positions (before the position
  // embeddings are added, as A1111's EmbeddingsWithFixes does). Rows without fixes are plain; none at all: the
  // cached forward above.
  ClipTextOutput forward(const at::Tensor& ids, const std::vector<std::vector<EmbeddingFix>>& fixes) const;

  // AUTOMATIC1111's "Clip skip" k: final LN of hidden_states[-k] (1 = last_hidden_state, 2 = penultimate, ...).
  at::Tensor clip_skip(const ClipTextOutput& out, int k) const;
  at::Tensor final_layer_norm(const at::Tensor& h) const { return final_ln_(h); }

  const ClipTextConfig& config() const { return config_; }
  const at::Tensor& embedding_weight() const { return token_embedding_.weight; }

 private:
  struct Layer {
    nn::LayerNorm ln1, ln2;
    nn::Linear q, k, v, out, fc1, fc2;
  };
  at::Tensor layer_forward(const Layer& l, const at::Tensor& x, const at::Tensor& mask) const;
  ClipTextOutput forward_uncached(const at::Tensor& ids, const std::vector<std::vector<EmbeddingFix>>* fixes = nullptr) const;
  int64_t weights_version() const;  // sum of the parameters' version counters; -1 when they have none
  struct OutputCache;
  std::shared_ptr<OutputCache> cache_;

  ClipTextConfig config_;
  nn::Embedding token_embedding_, position_embedding_;
  std::vector<Layer> layers_;
  nn::LayerNorm final_ln_;
  at::Tensor projection_;  // [P, C]
};

}  // namespace ripen::text
