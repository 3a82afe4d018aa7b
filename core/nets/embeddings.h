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

// linear_1 -> SiLU -> linear_2
struct TimestepEmbedding {
  Linear linear_1, linear_2;
  void bind(ParamStore& ps, const std::string& prefix, int64_t in, int64_t dim);
  at::Tensor operator()(const at::Tensor& x) const;
};

}  // namespace ripen::nn
