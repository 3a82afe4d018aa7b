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

// GroupNorm evaluated in fp32 (result in x's dtype); `silu` fuses the activation that follows every VAE norm but one.
// When a VaeNormStats is installed on this thread, it may record and/or replace the statistics (tiled passes).
at::Tensor vae_group_norm(const at::Tensor& x, const GroupNorm& norm, bool silu);

// Whole-image GroupNorm statistics shared by tiles. A tiled pass runs every tile through the network; with `record`
// each norm call accumulates mean/variance over the part of the tile the tile owns (`region`, fractions of the tile's
// extent, so it applies at every resolution); with `apply` each call normalises with the statistics recorded in the
// previous pass instead of the tile's own. Calls are matched by their order within a tile.
struct VaeNormStats {
  struct Region {
    double y0 = 0, y1 = 1, x0 = 0, x1 = 1;
  };
  bool record = false, apply = false;
  Region region;
  void begin_tile(const Region& r) { region = r, call = 0; }
  void end_pass();  // recorded sums -> statistics used by the next `apply`

  // internals, per norm call index: accumulated sums ([B, G] double) and the finished statistics
  size_t call = 0;
  std::vector<at::Tensor> sum, sumsq, count;
  std::vector<at::Tensor> mean, var;
};

// Installs `stats` for vae_group_norm on this thread while alive (nullptr: none).
class VaeNormStatsScope {
 public:
  explicit VaeNormStatsScope(VaeNormStats* stats);
  ~VaeNormStatsScope();
  VaeNormStatsScope(const VaeNormStatsScope&) = delete;
  VaeNormStatsScope& operator=(const VaeNormStatsScope&) = delete;

 private:
  VaeNormStats* previous_;
};

struct VaeResnet {
  GroupNorm norm1, norm2;
  Conv2d conv1, conv2, conv_shortcut;  // conv_shortcut (1x1) only when in != out
  void bind(ParamStore& ps, const std::string& prefix, int64_t in, int64_t out, int64_t groups);
  at::Tensor operator()(const at::Tensor& x) const;
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
