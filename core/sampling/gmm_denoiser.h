#pragma once
// The analytic denoiser of the sampler fixtures (../shared/oracle/samplers): the exact posterior mean
// E[x0 | x0 + σ·n = x] for a Gaussian-mixture prior Σ_k w_k N(μ_k, s_k² I). Float64; used by the sampler
// tests and `ripen-cli eval --component sampler`.
#include <ATen/ATen.h>

#include <string>

#include "sampling/sampler.h"

namespace ripen::sampling {

struct GaussianMixtureDenoiser {
  at::Tensor w;   // [K] mixture weights
  at::Tensor s;   // [K] std devs, or [K, ...] one per element (shaped like mu)
  at::Tensor mu;  // [K, ...] means; `...` is the shape of one sample

  // Reads tensors `w`, `s`, `mu` from a safetensors file (converted to float64).
  static GaussianMixtureDenoiser load(const std::string& path);

  // x: one sample shaped like mu[0], or a batch [B, ...]; the posterior is computed per sample.
  at::Tensor operator()(const at::Tensor& x, double sigma) const;
  Denoiser as_denoiser() const;
};

}  // namespace ripen::sampling
