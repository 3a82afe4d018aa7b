#pragma once
// UNet2DConditionModel (diffusers), one implementation driven by UNetConfig for SD 1.x, SD 2.x and SDXL.
// Parameters are declared through ParamStore with diffusers' keys, so
//   auto ps = ParamStore::from_tensors(SafeTensors::open(f).load_all(), f);   // or ParamStore::random(seed, opts)
//   auto unet = UNet2DCondition::bind(ps, cfg);  ps.finish();
// loads a diffusers checkpoint (finish() reports missing / unexpected keys and wrong shapes with both shapes).
// The weights' dtype (ParamStore target) is the compute dtype; GroupNorms run in fp32 whatever it is.
// Wrap inference in at::NoGradGuard or c10::InferenceMode when the parameters may require grad; with grad off,
// forward runs under InferenceMode itself.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nets/embeddings.h"
#include "nets/unet_blocks.h"
#include "nets/unet_config.h"

namespace ripen {

// SDXL's added conditioning (addition_embed_type "text_time").
struct UNetAddedCond {
  at::Tensor text_embeds;  // [B, pooled dim] (projection_class_embeddings_input_dim - 6*addition_time_embed_dim)
  at::Tensor time_ids;     // [B, 6]: orig_h, orig_w, crop_top, crop_left, target_h, target_w
};

class UNet2DCondition {
 public:
  static UNet2DCondition bind(ParamStore& ps, const UNetConfig& config);

  // sample [B, in, H, W]; timesteps float [B] or [] / [1] (broadcast); encoder_hidden_states [B, L, cross_dim];
  // `added` is required for text_time configs. timestep_cond [B or 1, time_cond_proj_dim] (diffusers' name; LCM's
  // guidance embedding, nets/embeddings.h) only for configs with time_cond_proj_dim, and optional there: without it
  // the embedding is taken as zeros. Returns the raw model output (eps or v) [B, out, H, W] in sample's dtype;
  // inputs are cast to the weights' dtype and device. H and W need not be multiples of 8.
  at::Tensor forward(const at::Tensor& sample, const at::Tensor& timesteps, const at::Tensor& encoder_hidden_states,
                     const UNetAddedCond* added = nullptr, const at::Tensor& timestep_cond = at::Tensor()) const;

  // Drops the conditioning kept between calls (this network's converted context, every cross-attention's K/V):
  // the pipeline calls it when a generation ends so the memory is not held until the next one.
  void release_context() const;

  const UNetConfig& config() const { return config_; }
  at::ScalarType dtype() const { return conv_in_.weight.scalar_type(); }
  at::Device device() const { return conv_in_.weight.device(); }

  // Debugging/tests: called with diffusers module names (time_proj, time_embedding, conv_in, down_blocks.i,
  // mid_block, up_blocks.i, conv_norm_out) and the activation after that module.
  std::function<void(const std::string&, const at::Tensor&)> probe;

 private:
  struct DownBlock {
    std::vector<nn::ResnetBlock2D> resnets;
    std::vector<nn::Transformer2D> attentions;  // empty for DownBlock2D
    nn::Downsample2D downsampler;
    bool has_downsampler = false;
  };
  struct UpBlock {
    std::vector<nn::ResnetBlock2D> resnets;
    std::vector<nn::Transformer2D> attentions;
    nn::Upsample2D upsampler;
    bool has_upsampler = false;
  };
  struct MidBlock {
    std::vector<nn::ResnetBlock2D> resnets;
    std::vector<nn::Transformer2D> attentions;
  };

  UNetConfig config_;
  nn::TimestepEmbedding time_embedding_, add_embedding_;
  nn::Conv2d conv_in_, conv_out_;
  nn::GroupNorm conv_norm_out_;
  std::vector<DownBlock> down_blocks_;
  std::vector<UpBlock> up_blocks_;
  MidBlock mid_block_;
  bool has_mid_ = false;

  // The conditioning as converted for the network (device, dtype, batch), kept while the caller passes the same
  // unchanged tensor: cross-attention then sees one tensor every step and reuses its K/V (attention.cpp). Holds
  // one converted context until a different one arrives; unused when the input needs no conversion.
  struct ContextMemo;
  std::shared_ptr<ContextMemo> context_memo_;

  at::Tensor time_embed(const at::Tensor& timesteps, int64_t batch, const UNetAddedCond* added,
                        const at::Tensor& timestep_cond) const;
  at::Tensor time_condition(const at::Tensor& timestep_cond, int64_t batch) const;
  at::Tensor prepared_context(const at::Tensor& encoder_hidden_states, int64_t batch) const;
  at::Tensor forward_impl(const at::Tensor& sample, const at::Tensor& timesteps,
                          const at::Tensor& encoder_hidden_states, const UNetAddedCond* added,
                          const at::Tensor& timestep_cond) const;
  void emit(const std::string& name, const at::Tensor& t) const {
    if (probe) probe(name, t);
  }
};

}  // namespace ripen
