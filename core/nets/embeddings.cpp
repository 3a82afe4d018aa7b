#include "nets/embeddings.h"

#include <cmath>

namespace ripen::nn {

at::Tensor timestep_embedding(const at::Tensor& t, int64_t dim, bool flip_sin_to_cos, double freq_shift,
                              double max_period) {
  const int64_t half = dim / 2;
  auto f32 = t.options().dtype(at::kFloat);
  // Same operation order as diffusers so fp32 results agree to the last bits.
  at::Tensor exponent = at::arange(0, half, f32) * static_cast<float>(-std::log(max_period));
  exponent = exponent / static_cast<float>(half - freq_shift);
  at::Tensor args = t.to(at::kFloat).reshape({-1, 1}) * exponent.exp().unsqueeze(0);
  at::Tensor emb = flip_sin_to_cos ? at::cat({args.cos(), args.sin()}, -1) : at::cat({args.sin(), args.cos()}, -1);
  if (dim % 2 == 1) emb = at::constant_pad_nd(emb, {0, 1});
  return emb;
}

at::Tensor guidance_scale_embedding(const at::Tensor& w, int64_t dim) {
  const int64_t half = dim / 2;
  auto f32 = w.options().dtype(at::kFloat);
  // diffusers' operation order: the float32 scalar ln(10000)/(half − 1) first, then arange·(−it), exp.
  const float step = static_cast<float>(std::log(10000.0)) / static_cast<float>(half - 1);
  at::Tensor freqs = (at::arange(0, half, f32) * -step).exp();
  at::Tensor args = (w.to(at::kFloat).reshape({-1}) * 1000.0f).unsqueeze(1) * freqs.unsqueeze(0);
  at::Tensor emb = at::cat({args.sin(), args.cos()}, -1);
  if (dim % 2 == 1) emb = at::constant_pad_nd(emb, {0, 1});
  return emb;
}

void TimestepEmbedding::bind(ParamStore& ps, const std::string& prefix, int64_t in, int64_t dim, int64_t cond_dim) {
  linear_1.bind(ps, key(prefix, "linear_1"), in, dim);
  linear_2.bind(ps, key(prefix, "linear_2"), dim, dim);
  if (cond_dim > 0) cond_proj.bind(ps, key(prefix, "cond_proj"), cond_dim, in, false);
}

at::Tensor TimestepEmbedding::operator()(const at::Tensor& x, const at::Tensor& condition) const {
  at::Tensor h = condition.defined() && cond_proj.defined() ? x + cond_proj(condition) : x;
  return linear_2(at::silu(linear_1(h)));
}

}  // namespace ripen::nn
