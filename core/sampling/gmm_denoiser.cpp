#include "sampling/gmm_denoiser.h"

#include <cmath>

#include "tensors/error.h"
#include "tensors/safetensors.h"

namespace ripen::sampling {

GaussianMixtureDenoiser GaussianMixtureDenoiser::load(const std::string& path) {
  auto st = SafeTensors::open(path);
  for (const char* key : {"w", "s", "mu"})
    if (!st.contains(key)) throw Error(path + ": missing tensor '" + key + "' (need w, s, mu)");
  auto f64 = at::TensorOptions().dtype(at::kDouble);
  GaussianMixtureDenoiser d{st.tensor("w", f64).clone(), st.tensor("s", f64).clone(), st.tensor("mu", f64).clone()};
  int64_t k = d.w.numel();
  if (d.w.dim() != 1 || d.mu.dim() < 2 || d.mu.size(0) != k)
    throw Error(path + ": 'mu' must be [K, ...] with K = numel(w)");
  if (!(d.s.dim() == 1 && d.s.size(0) == k) && d.s.sizes() != d.mu.sizes())
    throw Error(path + ": 's' must be [K] or shaped like 'mu'");
  return d;
}

at::Tensor GaussianMixtureDenoiser::operator()(const at::Tensor& x_in, double sigma) const {
  const int64_t k = mu.size(0);
  const int64_t sample_dims = mu.dim() - 1;
  const bool batched = x_in.dim() == sample_dims + 1;
  if (!batched && x_in.dim() != sample_dims) throw Error("mixture denoiser: x rank does not match mu");
  at::Tensor x = batched ? x_in.to(at::kDouble) : x_in.to(at::kDouble).unsqueeze(0);  // [B, ...]
  const int64_t b = x.size(0);
  at::Tensor mu_f = mu.reshape({1, k, -1});                                          // [1,K,D]
  at::Tensor s2 = (s.dim() == 1 ? s.reshape({1, k, 1}) : s.reshape({1, k, -1})).pow(2);  // [1,K,1|D]
  at::Tensor v = s2 + sigma * sigma;
  at::Tensor diff = x.reshape({b, 1, -1}) - mu_f;                                    // [B,K,D]
  const double d = double(mu_f.size(2));
  // log N(x; μ_k, v_k I) summed over elements (v per element when s is).
  at::Tensor log_det = v.size(2) == 1 ? 0.5 * d * at::log(2 * M_PI * v).squeeze(2) : 0.5 * at::log(2 * M_PI * v).sum(2);
  at::Tensor logit = at::log(w).reshape({1, k}) - log_det - (diff.pow(2) / (2 * v)).sum(2);  // [B,K]
  at::Tensor r = at::softmax(logit, 1).unsqueeze(2);
  at::Tensor comp = mu_f + (s2 / v) * diff;
  at::Tensor out = (r * comp).sum(1).reshape(x.sizes());
  return batched ? out : out.squeeze(0);
}

Denoiser GaussianMixtureDenoiser::as_denoiser() const {
  return [self = *this](const at::Tensor& x, double sigma, int) { return self(x, sigma); };
}

}  // namespace ripen::sampling
