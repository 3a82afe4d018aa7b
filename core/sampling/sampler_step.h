#pragma once
// Helpers shared by the sampler implementations (not part of the public API).
#include <cmath>

#include "sampling/sampler.h"
#include "tensors/error.h"

namespace ripen::sampling::detail {

// Calls the denoiser for local step i, after checking the cancel flag.
inline at::Tensor denoise(const Denoiser& model, const at::Tensor& x, double sigma, int i, SamplerContext& ctx) {
  if (ctx.cancel && ctx.cancel->load(std::memory_order_relaxed)) throw Cancelled();
  ++ctx.model_calls;
  return model(x, sigma, ctx.step_offset + i);
}

inline void report(SamplerContext& ctx, int i, double sigma, double sigma_hat, double sigma_next, const at::Tensor& x,
                   const at::Tensor& denoised) {
  if (ctx.callback) ctx.callback(StepInfo{ctx.step_offset + i, sigma, sigma_hat, sigma_next, x, denoised});
}

inline at::Tensor noise(SamplerContext& ctx, const char* sampler, double sigma, double sigma_next) {
  if (!ctx.noise) throw Error(std::string("sampler ") + sampler + ": no noise sampler in the context");
  return ctx.noise(sigma, sigma_next);
}

// Karras ODE derivative dx/dσ = (x − D)/σ.
inline at::Tensor to_d(const at::Tensor& x, double sigma, const at::Tensor& denoised) { return (x - denoised) / sigma; }

inline int num_steps(std::span<const double> sigmas) { return sigmas.size() < 2 ? 0 : int(sigmas.size()) - 1; }

// Karras et al. churn factor γ for step i (0 unless s_churn > 0 and σ is inside [s_tmin, s_tmax]).
inline double churn_gamma(const SamplerParams& p, std::span<const double> sigmas, int i) {
  double s = sigmas[i];
  if (p.s_churn <= 0 || s < p.s_tmin || s > p.s_tmax) return 0.0;
  return std::min(p.s_churn / num_steps(sigmas), std::sqrt(2.0) - 1.0);
}

// λ-style time used by the DPM-Solver samplers: t = −log σ.
inline double t_of(double sigma) { return -std::log(sigma); }
inline double sigma_of(double t) { return std::exp(-t); }

}  // namespace ripen::sampling::detail
