#pragma once
// Stage 3 of a generation: what the plan runner needs to denoise — the model's noise schedule (one builder per
// model), the plan's σ sequence with its timestep convention, the start latent, and the guided UNet denoiser.
#include <ATen/ATen.h>

#include <memory>
#include <vector>

#include "models/detect.h"
#include "pipeline/plan_runner.h"
#include "pipeline/presets.h"
#include "pipeline/request.h"
#include "pipeline/stage_condition.h"
#include "sampling/cfg_denoiser.h"
#include "sampling/noise.h"
#include "sampling/schedules.h"

namespace ripen {

namespace models { struct LoadedModel; }

// How to line up with another implementation (tests; `--parity diffusers`).
enum class Parity {
  KDiffusion,  // continuous t = sigma_to_t(σ), x_T = noise·σ_max (ComfyUI / A1111 behaviour)
  Diffusers,   // discrete: diffusers' Euler timesteps for the model's spacing, x_T = noise·init_noise_sigma;
               // karras/exponential: integer-rounded timesteps, x_T = noise·sqrt(σ_max²+1) (DPMSolver's VP start)
};

// Where sampling starts instead of noise at σ_max (promotion and the hires pass).
struct StartPoint {
  at::Tensor latents;    // [B, C, h, w] UNet space
  double sigma = 0;      // its noise level
  bool renoise = false;  // first add noise from 0 to σ along the image seeds' Brownian paths (polish)
};

// The model's discrete schedule (its betas, in the precision its layout was trained with). Throws ripen::Error on
// a beta schedule Ripen does not implement.
std::shared_ptr<const sampling::DiscreteSchedule> model_schedule(const models::LoadedModel& model);
// The same from a model's description (models::inspect_model), without its weights.
sampling::DiscreteSchedule model_schedule(const models::SchedulerInfo& scheduler, models::Layout layout,
                                          const std::string& model_name);

struct SigmaSchedule {
  std::vector<double> sigmas;           // plan.steps + 1 values, ending with 0
  sampling::CfgDenoiserOptions options; // prediction and timestep convention (guidance is set per phase)
  double init_scale = 1;                // x_T = unit noise · init_scale
};
SigmaSchedule sigma_schedule(const models::LoadedModel& model, const sampling::DiscreteSchedule& schedule,
                             const SamplingPlan& plan, Parity parity);

// The latent shape [B, C, h, w] a request decodes to (C: the VAE's latent channels; a 9-channel UNet takes more).
std::vector<int64_t> latent_shape(const models::LoadedModel& model, const GenerationRequest& request);

// x at the first step and the step it is at: fresh noise (given, else from the request's seed and noise source)
// scaled by init_scale, or a StartPoint, which also moves the σ sequence's entry to the start σ.
struct StartedRun {
  at::Tensor x;
  int first_step = 0;
};
StartedRun start_fresh(const GenerationRequest& request, const at::Tensor& given_noise, double init_scale,
                       at::IntArrayRef shape, const at::TensorOptions& options);
StartedRun start_at(const StartPoint& start, std::vector<double>& sigmas, const sampling::NoiseSampler& noise,
                    at::IntArrayRef shape, const at::TensorOptions& options);

// The UNet under classifier-free guidance, as the plan runner's denoiser factory. Counts evaluations and their time.
// The options' timestep_cond (LCM's guidance embedding) goes to every UNet call of the denoisers made with them.
class UNetDenoiser {
 public:
  UNetDenoiser(const UNet2DCondition& unet, const Conditioning& conditioning,
               std::shared_ptr<const sampling::DiscreteSchedule> schedule, bool sync_timing);
  // Denoisers with `options` and each phase's guidance; they stay valid while this object lives.
  DenoiserFactory factory(const sampling::CfgDenoiserOptions& options);
  // A 9-channel inpainting UNet's extra input [1, 5, h, w] (mask, masked-picture latents): concatenated after the
  // scaled latents of every call, unscaled, repeated over the batch (and the CFG halves). Undefined: none.
  void set_extra_input(at::Tensor extra) { extra_ = std::move(extra); }
  const at::Tensor& extra_input() const { return extra_; }
  int64_t evaluations() const { return evaluations_; }
  double seconds() const { return seconds_; }

 private:
  at::Tensor evaluate(const at::Tensor& x, const at::Tensor& t, sampling::CondBatch which,
                      const at::Tensor& timestep_cond);
  const UNet2DCondition& unet_;
  const Conditioning& conditioning_;
  std::shared_ptr<const sampling::DiscreteSchedule> schedule_;
  bool sync_timing_;
  at::Tensor extra_;
  int64_t evaluations_ = 0;
  double seconds_ = 0;
  std::vector<std::shared_ptr<sampling::CfgDenoiser>> made_;
};

}  // namespace ripen
