#pragma once
// Samplers integrate the probability-flow ODE / SDE of a denoiser D(x, σ) ≈ E[x0 | x] down a σ sequence
// (variance-exploding form x = x0 + σ·n, as in k-diffusion). One short function per sampler; the math follows
// crowsonkb/k-diffusion's sampling.py (lcm: ComfyUI's fork).
//
// Conventions every sampler keeps:
//  * `sigmas` is any decreasing slice of one σ sequence (it need not end at 0): Fast-Track and the adaptive
//    controller run consecutive slices. A multistep sampler starts with an empty history unless
//    ctx.history is set, in which case it continues (and updates) that history — so slices run with one
//    shared history give exactly the result of one run.
//  * The step index handed to the denoiser and the callback is ctx.step_offset + i (the index in the full
//    sequence), so guidance schedules and progress events see global steps.
//  * Cancellation: the flag is checked before every model evaluation; when set, the sampler throws
//    ripen::Cancelled (nothing is returned, so no partly-updated latent can leak). The caller catches it.
//  * Stochastic samplers draw every noise tensor through ctx.noise(σ, σ_next) in k-diffusion's call order.
#include <ATen/ATen.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "sampling/registry_names.h"

namespace ripen::sampling {

// x0 prediction D(x, σ) for a batch x at one σ; `step` is the global step index (for guidance schedules).
using Denoiser = std::function<at::Tensor(const at::Tensor& x, double sigma, int step)>;

// Standard-normal noise shaped like the latent for the interval σ → σ_next (see noise.h, brownian.h).
using NoiseSampler = std::function<at::Tensor(double sigma, double sigma_next)>;

struct StepInfo {
  int step = 0;              // global step index
  double sigma = 0;          // σ_i
  double sigma_hat = 0;      // σ after churn (== sigma unless s_churn > 0)
  double sigma_next = 0;     // σ_{i+1}
  const at::Tensor& x;       // x at the start of the step
  const at::Tensor& denoised;
};
using StepCallback = std::function<void(const StepInfo&)>;

// Thrown by a sampler when the cancel flag is set (checked before each model evaluation).
struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("generation cancelled") {}
};

// History of the multistep samplers (dpmpp_2m, dpmpp_2m_sde): the previous denoised estimate and the
// σ it was made at. Empty = first step of a fresh run. reset() when switching samplers.
struct MultistepHistory {
  at::Tensor old_denoised;
  double old_sigma = 0;  // σ at which old_denoised was computed
  double h_last = 0;     // dpmpp_2m_sde: the last step's h
  bool empty() const { return !old_denoised.defined(); }
  void reset() { *this = MultistepHistory{}; }
};

struct SamplerContext {
  NoiseSampler noise;                              // required by stochastic samplers
  StepCallback callback;                           // optional
  const std::atomic<bool>* cancel = nullptr;       // optional
  int step_offset = 0;                             // global index of sigmas[0]
  MultistepHistory* history = nullptr;             // optional: continue a multistep run across slices
  int64_t model_calls = 0;                         // incremented by the sampler per denoiser call
};

enum class SolverType { Midpoint, Heun };

struct SamplerParams {
  std::optional<double> eta;       // default per sampler: 1 for ancestral/SDE samplers, 0 for ddim
  double s_noise = 1.0;            // noise multiplier
  double r = 0.5;                  // dpmpp_sde: relative position of the intermediate step in log-σ
  double s_churn = 0.0;            // euler/heun/dpm_2: Karras churn
  double s_tmin = 0.0;
  double s_tmax = std::numeric_limits<double>::infinity();
  SolverType solver_type = SolverType::Midpoint;  // dpmpp_2m_sde
};

using SamplerFn = std::function<at::Tensor(const Denoiser&, at::Tensor, std::span<const double>, SamplerContext&,
                                           const SamplerParams&)>;

at::Tensor sample_euler(const Denoiser& model, at::Tensor x, std::span<const double> sigmas, SamplerContext& ctx,
                        const SamplerParams& p = {});
at::Tensor sample_euler_ancestral(const Denoiser& model, at::Tensor x, std::span<const double> sigmas,
                                  SamplerContext& ctx, const SamplerParams& p = {});
at::Tensor sample_heun(const Denoiser& model, at::Tensor x, std::span<const double> sigmas, SamplerContext& ctx,
                       const SamplerParams& p = {});
at::Tensor sample_dpm_2(const Denoiser& model, at::Tensor x, std::span<const double> sigmas, SamplerContext& ctx,
                        const SamplerParams& p = {});
at::Tensor sample_dpmpp_2m(const Denoiser& model, at::Tensor x, std::span<const double> sigmas, SamplerContext& ctx,
                           const SamplerParams& p = {});
at::Tensor sample_dpmpp_2s_ancestral(const Denoiser& model, at::Tensor x, std::span<const double> sigmas,
                                     SamplerContext& ctx, const SamplerParams& p = {});
at::Tensor sample_dpmpp_sde(const Denoiser& model, at::Tensor x, std::span<const double> sigmas, SamplerContext& ctx,
                            const SamplerParams& p = {});
at::Tensor sample_dpmpp_2m_sde(const Denoiser& model, at::Tensor x, std::span<const double> sigmas,
                               SamplerContext& ctx, const SamplerParams& p = {});
// ComfyUI's LCM sampler: x = D(x, σ) + σ_next·noise.
at::Tensor sample_lcm(const Denoiser& model, at::Tensor x, std::span<const double> sigmas, SamplerContext& ctx,
                      const SamplerParams& p = {});
// DDIM in σ form: x = D + sqrt(σ_next² − σ_up²)·ε̂ + σ_up·noise with DDIM's σ_up(eta); eta 0 (default) is
// deterministic DDIM (equal to euler), eta 1 equals euler_ancestral.
at::Tensor sample_ddim(const Denoiser& model, at::Tensor x, std::span<const double> sigmas, SamplerContext& ctx,
                       const SamplerParams& p = {});

struct SamplerInfo {
  std::string name;
  SamplerFn fn;
  bool stochastic = false;    // draws noise through ctx.noise (with default params)
  bool multistep = false;     // keeps history between steps
  int evals_per_step = 1;     // model evaluations per step (the final step to σ = 0 may use fewer)
};

// The registry (sampler_registry.cpp): the one list of sampler names (registry_names.h lists them without
// libtorch). Throws ripen::Error listing the names for an unknown name.
const SamplerInfo& sampler_by_name(const std::string& name);

// k-diffusion's ancestral split of a step σ → σ_next into a deterministic part to σ_down and fresh noise σ_up.
struct AncestralStep {
  double sigma_down, sigma_up;
};
AncestralStep ancestral_step(double sigma_from, double sigma_to, double eta = 1.0);

}  // namespace ripen::sampling
