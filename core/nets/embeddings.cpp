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

void TimestepEmbedding::bind(ParamStore& ps, const std::string& prefix, int64_t in, int64_t dim) {
  linear_1.bind(ps, key(prefix, "linear_1"), in, dim);
  linear_2.bind(ps, key(prefix, "linear_2"), dim, dim);
}

at::Tensor TimestepEmbedding::operator()(const at::Tensor& x) const { return linear_2(at::silu(linear_1(x))); }

}  // namespace ripen::nn
