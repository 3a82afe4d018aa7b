#pragma once
// Sinusoidal timestep embedding and the MLP that follows it (diffusers' Timesteps / TimestepEmbedding).
#include <ATen/ATen.h>

#include <string>

#include "nets/layers.h"

namespace ripen::nn {

// t: float [N] -> [N, dim], always fp32. freq_i = exp(-ln(max_period) * i / (half - freq_shift)); the halves are
// [sin, cos], or [cos, sin] with flip_sin_to_cos (SD). Odd dims get a zero column.
at::Tensor timestep_embedding(const at::Tensor& t, int64_t dim, bool flip_sin_to_cos, double freq_shift,
                              double max_period = 10000.0);

// LCM's guidance-scale embedding (diffusers' get_guidance_scale_embedding, after VDM): w [N] -> [N, dim] fp32,
//   e_i = 1000·w·exp(−ln(10000)·i/(half − 1)), i < half = dim/2, then [sin e, cos e] (sin first; odd dims get a
// zero column). Not the timestep embedding, which divides by half and puts cos first.
at::Tensor guidance_scale_embedding(const at::Tensor& w, int64_t dim);

// The w that embedding takes, from the guidance scale a user (and a checkpoint's card) states: diffusers turns the
// Imagen-style scale into the LCM paper's w = guidance_scale − 1, so "guidance 8" means the embedding of 7.
inline double lcm_embedding_w(double guidance_scale) { return guidance_scale - 1.0; }

// [cond_proj(condition) +] x -> linear_1 -> SiLU -> linear_2. cond_proj (Linear, no bias) exists when cond_dim > 0
// (UNets with time_cond_proj_dim, e.g. LCM); then its output is added to x BEFORE linear_1.
struct TimestepEmbedding {
  Linear linear_1, linear_2, cond_proj;
  void bind(ParamStore& ps, const std::string& prefix, int64_t in, int64_t dim, int64_t cond_dim = 0);
  // An undefined condition adds nothing (diffusers skips cond_proj then: the same as zeros, it has no bias).
  at::Tensor operator()(const at::Tensor& x, const at::Tensor& condition = at::Tensor()) const;
};

}  // namespace ripen::nn
