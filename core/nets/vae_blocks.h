#pragma once
// Building blocks of AutoencoderKL's encoder and decoder (diffusers names: ResnetBlock2D without time embedding,
// the single-head mid-block attention, Downsample2D with asymmetric padding, Upsample2D). All GroupNorms use the
// VAE's eps (1e-6) and are computed in fp32 whatever the activation dtype: torch 1.13's CPU group_norm rejects
// mixed bf16, and fp16 variance overflows on SDXL's VAE.
#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "nets/layers.h"

namespace ripen::nn {

inline constexpr double kVaeNormEps = 1e-6;

// Per-(sample, group) statistics of a GroupNorm input: mean and biased variance, float64 [B, G].
struct GroupStats {
  at::Tensor mean, var;
};

// The statistics of the whole map `x` [B, C, H, W] (C divisible by `groups`), accumulated in float64 over bands of
// rows of about `band_elements` each, so no float32 copy of the whole map is made.
GroupStats group_stats(const at::Tensor& x, int64_t groups, int64_t band_elements = int64_t{1} << 24);
// The same over a map given as parts (e.g. bands of rows) of equal batch and channel count.
GroupStats group_stats(const std::vector<at::Tensor>& parts, int64_t groups, int64_t band_elements = int64_t{1} << 24);

// GroupNorm evaluated in fp32 (result in x's dtype); `silu` fuses the activation that follows every VAE norm but one.
// With `stats`, x is normalised with them instead of its own (a tile of a larger map, normalised as the whole map).
at::Tensor vae_group_norm(const at::Tensor& x, const GroupNorm& norm, bool silu, const GroupStats* stats = nullptr);

struct VaeResnet {
  GroupNorm norm1, norm2;
  Conv2d conv1, conv2, conv_shortcut;  // conv_shortcut (1x1) only when in != out
  void bind(ParamStore& ps, const std::string& prefix, int64_t in, int64_t out, int64_t groups);
  at::Tensor operator()(const at::Tensor& x) const;  // second_half(first_half(x), shortcut(x))
  // The parts around norm2, for tiled passes that need norm2's statistics over the whole map first:
  // first_half = conv1(silu(norm1(x))), shortcut = conv_shortcut(x) or x, second_half = conv2(silu(norm2(h))) + skip.
  at::Tensor first_half(const at::Tensor& x, const GroupStats* norm1_stats = nullptr) const;
  at::Tensor shortcut(const at::Tensor& x) const { return conv_shortcut.defined() ? conv_shortcut(x) : x; }
  at::Tensor second_half(const at::Tensor& h, const at::Tensor& skip, const GroupStats* norm2_stats = nullptr) const;
};

// Single-head self-attention over all H*W positions with scale C^-0.5 and a residual connection. The scores are
// computed in query chunks so at most `score_budget_bytes` of them exist at once (SDPA on libtorch >= 2).
struct VaeAttention {
  GroupNorm group_norm;
  Linear to_q, to_k, to_v, to_out;
  int64_t score_budget_bytes = int64_t{256} << 20;
  void bind(ParamStore& ps, const std::string& prefix, int64_t channels, int64_t groups);
  at::Tensor operator()(const at::Tensor& x) const;
};

// resnets.0 -> attentions.0 (optional) -> resnets.1
struct VaeMidBlock {
  VaeResnet resnet0, resnet1;
  VaeAttention attention;
  bool has_attention = true;
  void bind(ParamStore& ps, const std::string& prefix, int64_t channels, int64_t groups, bool add_attention);
  at::Tensor operator()(const at::Tensor& x) const;
};

// Zero pad (left 0, right 1, top 0, bottom 1), then conv 3x3 stride 2 pad 0.
struct VaeDownsample {
  Conv2d conv;
  void bind(ParamStore& ps, const std::string& prefix, int64_t channels);
  at::Tensor operator()(const at::Tensor& x) const;
};

// Nearest x2, then conv 3x3 pad 1.
struct VaeUpsample {
  Conv2d conv;
  void bind(ParamStore& ps, const std::string& prefix, int64_t channels);
  at::Tensor operator()(const at::Tensor& x) const;
};

}  // namespace ripen::nn
