#include "pipeline/stage_denoise.h"

#include <chrono>
#include <cmath>

#include "models/model.h"
#include "nets/embeddings.h"
#include "tensors/error.h"

namespace ripen {
std::shared_ptr<const sampling::DiscreteSchedule> model_schedule(const models::LoadedModel& m) {
  return std::make_shared<sampling::DiscreteSchedule>(model_schedule(m.scheduler, m.detection.layout, m.name));
}

sampling::DiscreteSchedule model_schedule(const models::SchedulerInfo& s, models::Layout layout,
                                          const std::string& name) {
  if (s.beta_schedule != "scaled_linear" && s.beta_schedule != "linear")
    throw Error(name + ": beta schedule '" + s.beta_schedule + "' is not supported (scaled_linear, linear)");
  sampling::TrainingNoise t;
  t.beta_schedule = s.beta_schedule;
  t.beta_start = s.beta_start;
  t.beta_end = s.beta_end;
  t.num_train_timesteps = int(s.num_train_timesteps);
  t.rescale_betas_zero_snr = s.rescale_betas_zero_snr;
  t.steps_offset = int(s.steps_offset);
  t.timestep_spacing = s.timestep_spacing;
  t.original_inference_steps = int(s.original_inference_steps);
  // Each layout with the tables of the tool it was trained and is mostly run with.
  const auto convention = layout == models::Layout::DiffusersFolder ? sampling::TableConvention::Diffusers
                                                                     : sampling::TableConvention::KDiffusion;
  return sampling::DiscreteSchedule::from_training(t, convention);
}

SigmaSchedule sigma_schedule(const models::LoadedModel& m, const sampling::DiscreteSchedule& schedule,
                             const SamplingPlan& plan, Parity parity) {
  SigmaSchedule s;
  s.options.prediction = m.prediction;
  if (parity == Parity::Diffusers && plan.schedule == "discrete") {
    auto dt = sampling::diffusers_euler_timesteps(schedule.alphas_cumprod(), plan.steps,
                                                  sampling::timestep_spacing_from_string(m.scheduler.timestep_spacing),
                                                  int(m.scheduler.steps_offset));
    s.sigmas = dt.sigmas;
    s.options.timestep_mode = sampling::TimestepMode::Table;
    s.options.timestep_table = dt.timesteps;
    s.options.timestep_sigmas.assign(dt.sigmas.begin(), dt.sigmas.end() - 1);
    s.init_scale = dt.init_noise_sigma;
    return s;
  }
  sampling::Schedule made = sampling::make_schedule(plan.schedule, plan.steps, schedule);
  s.sigmas = made.sigmas;
  if (!made.timesteps.empty()) {  // the schedule fixes what the UNet sees (diffusers' spacings, LCM)
    s.options.timestep_mode = sampling::TimestepMode::Table;
    s.options.timestep_table = made.timesteps;
    s.options.timestep_sigmas.assign(made.sigmas.begin(), made.sigmas.end() - 1);
    s.init_scale = made.init_noise_sigma;
    // LCMScheduler's consistency boundary on the x0 estimate at those timesteps (≈ 1e-8 of the input there).
    if (plan.schedule == "lcm") s.options.consistency = sampling::ConsistencyBoundary{};
    return s;
  }
  const bool diffusers = parity == Parity::Diffusers;
  s.options.timestep_mode = diffusers ? sampling::TimestepMode::Rounded : sampling::TimestepMode::Continuous;
  s.init_scale = diffusers ? std::sqrt(s.sigmas[0] * s.sigmas[0] + 1) : s.sigmas[0];
  return s;
}

std::vector<int64_t> latent_shape(const models::LoadedModel& m, const GenerationRequest& r) {
  const int64_t down = m.vae->config().downscale();
  return {r.batch, m.vae->config().latent_channels, r.height / down, r.width / down};
}

StartedRun start_fresh(const GenerationRequest& r, const at::Tensor& given, double init_scale, at::IntArrayRef shape,
                       const at::TensorOptions& opts) {
  at::Tensor n0 = given.defined() ? given.to(opts)
                                  : sampling::initial_noise(r.noise, r.seed, shape[0], shape.slice(1), opts);
  if (n0.sizes() != shape)
    throw Error("initial noise has shape " + shape_str(n0.sizes()) + ", expected " + shape_str(shape));
  return {n0 * init_scale, 0};
}

StartedRun start_at(const StartPoint& sp, std::vector<double>& sigmas, const sampling::NoiseSampler& noise,
                    at::IntArrayRef shape, const at::TensorOptions& opts) {
  if (!sp.latents.defined() || sp.latents.sizes() != shape)
    throw Error("start latents have shape " + (sp.latents.defined() ? shape_str(sp.latents.sizes()) : "none") +
                ", expected " + shape_str(shape));
  if (!(sp.sigma > 0)) throw Error("start sigma must be > 0");
  at::Tensor x = sp.latents.to(opts);
  if (sp.renoise) x = x + noise(0.0, sp.sigma) * sp.sigma;
  // Start at the last step whose σ is still ≥ the start σ, moved down to it.
  const int steps = int(sigmas.size()) - 1;
  int i = 1;
  while (i < steps && sigmas[size_t(i)] >= sp.sigma) ++i;
  sigmas[size_t(i - 1)] = sp.sigma;
  return {x, i - 1};
}

UNetDenoiser::UNetDenoiser(const UNet2DCondition& unet, const Conditioning& conditioning,
                           std::shared_ptr<const sampling::DiscreteSchedule> schedule, bool sync_timing)
    : unet_(unet), conditioning_(conditioning), schedule_(std::move(schedule)), sync_timing_(sync_timing) {}

at::Tensor UNetDenoiser::evaluate(const at::Tensor& x, const at::Tensor& t, sampling::CondBatch which,
                                  const at::Tensor& timestep_cond) {
  ++evaluations_;
  const auto t0 = std::chrono::steady_clock::now();
  const bool both = which == sampling::CondBatch::UncondAndCond;
  at::Tensor in = x;
  if (extra_.defined()) {
    const at::Tensor e = extra_.to(x.options()).expand({x.size(0), extra_.size(1), x.size(2), x.size(3)});
    in = at::cat({x, e}, 1);
  }
  at::Tensor out = unet_.forward(in, t, conditioning_.context(both), conditioning_.added(both), timestep_cond);
  if (sync_timing_ && !out.is_cpu()) out.sum().item<double>();  // wait for the device
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

DenoiserFactory UNetDenoiser::factory(const sampling::CfgDenoiserOptions& options) {
  return [this, options](const sampling::GuidanceSchedule& g) {
    sampling::CfgDenoiserOptions o = options;
    o.guidance = g;
    if (unet_.config().has_time_cond()) {
      // A guidance-embedding UNet (LCM) takes the guidance as an input and runs without a CFG batch. The
      // embedding is the phase's guidance at its first step (presets keep it constant).
      const double scale = g.at(g.segments().front().first_step);
      o.timestep_cond = nn::guidance_scale_embedding(at::full({1}, nn::lcm_embedding_w(scale), at::kFloat),
                                                     unet_.config().time_cond_proj_dim);
      o.guidance = sampling::GuidanceSchedule();
    }
    sampling::ModelFn net = [this, cond = o.timestep_cond](const at::Tensor& x, const at::Tensor& t,
                                                           sampling::CondBatch which) {
      return evaluate(x, t, which, cond);
    };
    made_.push_back(std::make_shared<sampling::CfgDenoiser>(net, schedule_, o));
    return made_.back()->as_denoiser();
  };
}

}  // namespace ripen
