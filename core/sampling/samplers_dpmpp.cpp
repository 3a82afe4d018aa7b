// DPM-Solver++ samplers (Lu et al. 2022) in k-diffusion's form, with t = −log σ:
// dpmpp_2m, dpmpp_2s_ancestral, dpmpp_sde, dpmpp_2m_sde.
#include <cmath>

#include "sampling/sampler_step.h"

namespace ripen::sampling {
using namespace detail;

at::Tensor sample_dpmpp_2m(const Denoiser& model, at::Tensor x, std::span<const double> sigmas, SamplerContext& ctx,
                           const SamplerParams&) {
  MultistepHistory local;
  MultistepHistory& hist = ctx.history ? *ctx.history : local;
  for (int i = 0; i < num_steps(sigmas); ++i) {
    at::Tensor denoised = denoise(model, x, sigmas[i], i, ctx);
    report(ctx, i, sigmas[i], sigmas[i], sigmas[i + 1], x, denoised);
    if (sigmas[i + 1] == 0) {
      x = denoised;  // the first-order update to σ = 0 is exactly D
    } else {
      double t = t_of(sigmas[i]), t_next = t_of(sigmas[i + 1]);
      double h = t_next - t;
      at::Tensor denoised_d = denoised;
      if (!hist.empty()) {
        double r = (t - t_of(hist.old_sigma)) / h;
        denoised_d = (1 + 1 / (2 * r)) * denoised - (1 / (2 * r)) * hist.old_denoised;
      }
      x = (sigma_of(t_next) / sigma_of(t)) * x - std::expm1(-h) * denoised_d;
    }
    hist.old_denoised = denoised;
    hist.old_sigma = sigmas[i];
  }
  return x;
}

at::Tensor sample_dpmpp_2s_ancestral(const Denoiser& model, at::Tensor x, std::span<const double> sigmas,
                                     SamplerContext& ctx, const SamplerParams& p) {
  double eta = p.eta.value_or(1.0);
  for (int i = 0; i < num_steps(sigmas); ++i) {
    at::Tensor denoised = denoise(model, x, sigmas[i], i, ctx);
    auto [sigma_down, sigma_up] = ancestral_step(sigmas[i], sigmas[i + 1], eta);
    report(ctx, i, sigmas[i], sigmas[i], sigmas[i + 1], x, denoised);
    if (sigma_down == 0) {
      x = x + to_d(x, sigmas[i], denoised) * (sigma_down - sigmas[i]);
    } else {
      // DPM-Solver++(2S): a half step in t to s, then the full step with the midpoint's estimate.
      double t = t_of(sigmas[i]), t_next = t_of(sigma_down);
      double h = t_next - t, s = t + 0.5 * h;
      at::Tensor x_2 = (sigma_of(s) / sigma_of(t)) * x - std::expm1(-h * 0.5) * denoised;
      at::Tensor denoised_2 = denoise(model, x_2, sigma_of(s), i, ctx);
      x = (sigma_of(t_next) / sigma_of(t)) * x - std::expm1(-h) * denoised_2;
    }
    if (sigmas[i + 1] > 0 && sigma_up > 0)
      x = x + noise(ctx, "dpmpp_2s_ancestral", sigmas[i], sigmas[i + 1]) * (p.s_noise * sigma_up);
  }
  return x;
}

at::Tensor sample_dpmpp_sde(const Denoiser& model, at::Tensor x, std::span<const double> sigmas, SamplerContext& ctx,
                            const SamplerParams& p) {
  double eta = p.eta.value_or(1.0), r = p.r;
  for (int i = 0; i < num_steps(sigmas); ++i) {
    at::Tensor denoised = denoise(model, x, sigmas[i], i, ctx);
    report(ctx, i, sigmas[i], sigmas[i], sigmas[i + 1], x, denoised);
    if (sigmas[i + 1] == 0) {
      x = x + to_d(x, sigmas[i], denoised) * (sigmas[i + 1] - sigmas[i]);
      continue;
    }
    double t = t_of(sigmas[i]), t_next = t_of(sigmas[i + 1]);
    double h = t_next - t, s = t + h * r, fac = 1 / (2 * r);
    // Stage 1: ancestral step to the intermediate time s.
    auto [sd1, su1] = ancestral_step(sigma_of(t), sigma_of(s), eta);
    double s_ = t_of(sd1);
    at::Tensor x_2 = (sigma_of(s_) / sigma_of(t)) * x - std::expm1(t - s_) * denoised;
    if (su1 > 0) x_2 = x_2 + noise(ctx, "dpmpp_sde", sigma_of(t), sigma_of(s)) * (p.s_noise * su1);
    at::Tensor denoised_2 = denoise(model, x_2, sigma_of(s), i, ctx);
    // Stage 2: the full step with a blend of both estimates.
    auto [sd2, su2] = ancestral_step(sigma_of(t), sigma_of(t_next), eta);
    double t_next_ = t_of(sd2);
    at::Tensor denoised_d = (1 - fac) * denoised + fac * denoised_2;
    x = (sigma_of(t_next_) / sigma_of(t)) * x - std::expm1(t - t_next_) * denoised_d;
    if (su2 > 0) x = x + noise(ctx, "dpmpp_sde", sigma_of(t), sigma_of(t_next)) * (p.s_noise * su2);
  }
  return x;
}

at::Tensor sample_dpmpp_2m_sde(const Denoiser& model, at::Tensor x, std::span<const double> sigmas,
                               SamplerContext& ctx, const SamplerParams& p) {
  double eta = p.eta.value_or(1.0);
  MultistepHistory local;
  MultistepHistory& hist = ctx.history ? *ctx.history : local;
  for (int i = 0; i < num_steps(sigmas); ++i) {
    at::Tensor denoised = denoise(model, x, sigmas[i], i, ctx);
    report(ctx, i, sigmas[i], sigmas[i], sigmas[i + 1], x, denoised);
    double h = hist.h_last;
    if (sigmas[i + 1] == 0) {
      x = denoised;
    } else {
      double t = t_of(sigmas[i]), s = t_of(sigmas[i + 1]);
      h = s - t;
      double eta_h = eta * h;
      double phi = -std::expm1(-h - eta_h);  // 1 − e^{−(1+η)h}
      x = (sigmas[i + 1] / sigmas[i] * std::exp(-eta_h)) * x + phi * denoised;
      if (!hist.empty()) {
        double r = hist.h_last / h;
        at::Tensor diff = denoised - hist.old_denoised;
        if (p.solver_type == SolverType::Heun)
          x = x + ((phi / (-h - eta_h) + 1) * (1 / r)) * diff;
        else
          x = x + (0.5 * phi * (1 / r)) * diff;
      }
      if (eta != 0)
        x = x + noise(ctx, "dpmpp_2m_sde", sigmas[i], sigmas[i + 1]) *
                    (sigmas[i + 1] * std::sqrt(-std::expm1(-2 * eta_h)) * p.s_noise);
    }
    hist.old_denoised = denoised;
    hist.old_sigma = sigmas[i];
    hist.h_last = h;
  }
  return x;
}

}  // namespace ripen::sampling
