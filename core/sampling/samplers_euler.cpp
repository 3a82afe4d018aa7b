// Euler-family samplers: euler, euler_ancestral, heun, dpm_2 (Karras et al. 2022, Algorithm 2 and its
// ancestral / DPM-Solver-2 variants), lcm and ddim.
#include <cmath>

#include "sampling/sampler_step.h"

namespace ripen::sampling {
using namespace detail;

AncestralStep ancestral_step(double sigma_from, double sigma_to, double eta) {
  if (eta == 0) return {sigma_to, 0.0};
  double up = std::min(sigma_to, eta * std::sqrt(sigma_to * sigma_to * (sigma_from * sigma_from - sigma_to * sigma_to) /
                                                 (sigma_from * sigma_from)));
  return {std::sqrt(sigma_to * sigma_to - up * up), up};
}

namespace {
// Raises σ_i to σ̂ = σ_i(1+γ) by adding fresh noise (Karras churn); returns σ̂.
double churn(at::Tensor& x, std::span<const double> sigmas, int i, SamplerContext& ctx, const SamplerParams& p,
             const char* name) {
  double gamma = churn_gamma(p, sigmas, i);
  double sigma_hat = sigmas[i] * (gamma + 1);
  if (gamma > 0)
    x = x + noise(ctx, name, sigmas[i], sigma_hat) * p.s_noise * std::sqrt(sigma_hat * sigma_hat - sigmas[i] * sigmas[i]);
  return sigma_hat;
}
}  // namespace

at::Tensor sample_euler(const Denoiser& model, at::Tensor x, std::span<const double> sigmas, SamplerContext& ctx,
                        const SamplerParams& p) {
  for (int i = 0; i < num_steps(sigmas); ++i) {
    double sigma_hat = churn(x, sigmas, i, ctx, p, "euler");
    at::Tensor denoised = denoise(model, x, sigma_hat, i, ctx);
    at::Tensor d = to_d(x, sigma_hat, denoised);
    report(ctx, i, sigmas[i], sigma_hat, sigmas[i + 1], x, denoised);
    x = x + d * (sigmas[i + 1] - sigma_hat);
  }
  return x;
}

at::Tensor sample_euler_ancestral(const Denoiser& model, at::Tensor x, std::span<const double> sigmas,
                                  SamplerContext& ctx, const SamplerParams& p) {
  double eta = p.eta.value_or(1.0);
  for (int i = 0; i < num_steps(sigmas); ++i) {
    at::Tensor denoised = denoise(model, x, sigmas[i], i, ctx);
    auto [sigma_down, sigma_up] = ancestral_step(sigmas[i], sigmas[i + 1], eta);
    report(ctx, i, sigmas[i], sigmas[i], sigmas[i + 1], x, denoised);
    x = x + to_d(x, sigmas[i], denoised) * (sigma_down - sigmas[i]);
    if (sigmas[i + 1] > 0 && sigma_up > 0)
      x = x + noise(ctx, "euler_ancestral", sigmas[i], sigmas[i + 1]) * (p.s_noise * sigma_up);
  }
  return x;
}

at::Tensor sample_heun(const Denoiser& model, at::Tensor x, std::span<const double> sigmas, SamplerContext& ctx,
                       const SamplerParams& p) {
  for (int i = 0; i < num_steps(sigmas); ++i) {
    double sigma_hat = churn(x, sigmas, i, ctx, p, "heun");
    at::Tensor denoised = denoise(model, x, sigma_hat, i, ctx);
    at::Tensor d = to_d(x, sigma_hat, denoised);
    report(ctx, i, sigmas[i], sigma_hat, sigmas[i + 1], x, denoised);
    double dt = sigmas[i + 1] - sigma_hat;
    if (sigmas[i + 1] == 0) {
      x = x + d * dt;  // Euler to σ = 0
    } else {
      at::Tensor x_2 = x + d * dt;
      at::Tensor d_2 = to_d(x_2, sigmas[i + 1], denoise(model, x_2, sigmas[i + 1], i, ctx));
      x = x + (d + d_2) / 2 * dt;
    }
  }
  return x;
}

at::Tensor sample_dpm_2(const Denoiser& model, at::Tensor x, std::span<const double> sigmas, SamplerContext& ctx,
                        const SamplerParams& p) {
  for (int i = 0; i < num_steps(sigmas); ++i) {
    double sigma_hat = churn(x, sigmas, i, ctx, p, "dpm_2");
    at::Tensor denoised = denoise(model, x, sigma_hat, i, ctx);
    at::Tensor d = to_d(x, sigma_hat, denoised);
    report(ctx, i, sigmas[i], sigma_hat, sigmas[i + 1], x, denoised);
    if (sigmas[i + 1] == 0) {
      x = x + d * (sigmas[i + 1] - sigma_hat);
    } else {
      // Midpoint in log σ (torch.lerp at weight 0.5 computes end − 0.5·(end − start)).
      double log_next = std::log(sigmas[i + 1]);
      double sigma_mid = std::exp(log_next - 0.5 * (log_next - std::log(sigma_hat)));
      at::Tensor x_2 = x + d * (sigma_mid - sigma_hat);
      at::Tensor d_2 = to_d(x_2, sigma_mid, denoise(model, x_2, sigma_mid, i, ctx));
      x = x + d_2 * (sigmas[i + 1] - sigma_hat);
    }
  }
  return x;
}

at::Tensor sample_lcm(const Denoiser& model, at::Tensor x, std::span<const double> sigmas, SamplerContext& ctx,
                      const SamplerParams& p) {
  for (int i = 0; i < num_steps(sigmas); ++i) {
    at::Tensor denoised = denoise(model, x, sigmas[i], i, ctx);
    report(ctx, i, sigmas[i], sigmas[i], sigmas[i + 1], x, denoised);
    x = denoised;
    if (sigmas[i + 1] > 0) x = x + noise(ctx, "lcm", sigmas[i], sigmas[i + 1]) * (sigmas[i + 1] * p.s_noise);
  }
  return x;
}

at::Tensor sample_ddim(const Denoiser& model, at::Tensor x, std::span<const double> sigmas, SamplerContext& ctx,
                       const SamplerParams& p) {
  double eta = p.eta.value_or(0.0);
  for (int i = 0; i < num_steps(sigmas); ++i) {
    double s = sigmas[i], s_next = sigmas[i + 1];
    at::Tensor denoised = denoise(model, x, s, i, ctx);
    report(ctx, i, s, s, s_next, x, denoised);
    // DDIM's σ_t(η) in VE units: σ_up² = η²·σ_next²·(σ² − σ_next²)/σ²; the rest of σ_next carries ε̂.
    double sigma_up = std::min(s_next, eta * std::sqrt(s_next * s_next * (s * s - s_next * s_next) / (s * s)));
    double sigma_dir = std::sqrt(s_next * s_next - sigma_up * sigma_up);
    at::Tensor eps = (x - denoised) / s;
    x = denoised + eps * sigma_dir;
    if (s_next > 0 && sigma_up > 0) x = x + noise(ctx, "ddim", s, s_next) * (p.s_noise * sigma_up);
  }
  return x;
}

}  // namespace ripen::sampling
