#pragma once
// The parts of UNet2DConditionModel, one struct per diffusers module, parameter keys exactly diffusers'.
#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "nets/attention.h"
#include "nets/layers.h"

namespace ripen::nn {

// GroupNorm computed in fp32 whatever x's dtype (torch 1.13's CPU group_norm is slow or fails in bf16, and fp16
// variance overflows), result in x's dtype; `silu` fuses the activation that follows.
at::Tensor group_norm_fp32(const at::Tensor& x, const GroupNorm& norm, bool silu);

// norm1 -> SiLU -> conv1 -> + time_emb_proj(SiLU(temb)) -> norm2 -> SiLU -> conv2, plus the (1x1) shortcut.
struct ResnetBlock2D {
  GroupNorm norm1, norm2;
  Conv2d conv1, conv2, conv_shortcut;
  Linear time_emb_proj;
  void bind(ParamStore& ps, const std::string& prefix, int64_t in, int64_t out, int64_t temb_dim, int64_t groups,
            double eps);
  // temb_act = SiLU(temb), computed once per UNet call.
  at::Tensor operator()(const at::Tensor& x, const at::Tensor& temb_act) const;
};

struct Downsample2D {  // conv 3x3 stride 2 (padding 1; padding 0 pads right/bottom by one first)
  Conv2d conv;
  int64_t padding = 1;
  void bind(ParamStore& ps, const std::string& prefix, int64_t channels, int64_t padding);
  at::Tensor operator()(const at::Tensor& x) const;
};

struct Upsample2D {  // nearest to `size` (x2), conv 3x3
  Conv2d conv;
  void bind(ParamStore& ps, const std::string& prefix, int64_t channels);
  at::Tensor operator()(const at::Tensor& x, at::IntArrayRef size) const;
};

// LN -> self-attn -> +; LN -> cross-attn(context) -> +; LN -> GEGLU feed-forward -> +.
struct BasicTransformerBlock {
  LayerNorm norm1, norm2, norm3;
  CrossAttention attn1, attn2;
  Linear ff_proj, ff_out;  // ff.net.0.proj (to 2*inner: value | gate), ff.net.2
  void bind(ParamStore& ps, const std::string& prefix, int64_t dim, int64_t heads, int64_t context_dim,
            bool upcast_attention);
  at::Tensor operator()(const at::Tensor& x, const at::Tensor& context) const;
};

// GroupNorm (eps 1e-6) -> proj_in (conv 1x1, or linear after flattening) -> blocks -> proj_out -> + input.
struct Transformer2D {
  GroupNorm norm;
  Linear proj_in_linear, proj_out_linear;
  Conv2d proj_in_conv, proj_out_conv;
  bool linear_projection = false;
  std::vector<BasicTransformerBlock> transformer_blocks;
  void bind(ParamStore& ps, const std::string& prefix, int64_t channels, int64_t heads, int64_t layers,
            int64_t context_dim, int64_t groups, bool use_linear_projection, bool upcast_attention);
  at::Tensor operator()(const at::Tensor& x, const at::Tensor& context) const;
  void release_context() const {
    for (const auto& b : transformer_blocks) b.attn2.release_context();
  }
};

}  // namespace ripen::nn
