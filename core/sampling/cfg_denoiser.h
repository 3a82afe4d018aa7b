#pragma once
// Wraps a noise-prediction network into the sampler's Denoiser D(x, σ) with classifier-free guidance.
//   x_in = c_in·x with c_in = 1/sqrt(σ² + 1) (k-diffusion's DiscreteEps/VDDPMDenoiser scalings, σ_data = 1)
//   eps:  D = x − σ·ε̂               v:  D = x/(σ² + 1) − σ/sqrt(σ² + 1)·v̂
//   guided output = u + w(step)·(c − u), combined on the network output (as diffusers does; equivalent to
//   combining D since D is affine in it), with the batch laid out [uncond, cond] in ONE network call.
// When w(step) == 1 the uncond half is skipped (CondOnly call with batch B).
// With a consistency boundary (LCM) D becomes c_out·D + c_skip·x_in (sampling/consistency.h).
#include <ATen/ATen.h>

#include <functional>
#include <memory>
#include <optional>

#include "sampling/consistency.h"
#include "sampling/guidance.h"
#include "sampling/prediction.h"
#include "sampling/sampler.h"
#include "sampling/schedules.h"

namespace ripen::sampling {

enum class CondBatch { UncondAndCond, CondOnly };

// The network: x_in [B or 2B, ...], t [B or 2B] (float32 on x's device). With UncondAndCond, the first half of
// the batch is unconditional and the second half conditional; the model builds its conditioning to match.
using ModelFn = std::function<at::Tensor(const at::Tensor& x_in, const at::Tensor& t, CondBatch which)>;

// How σ becomes the network's timestep: k-diffusion's continuous log-σ interpolation, the same rounded to
// the nearest integer, or an explicit per-step table (diffusers' own timesteps; indexed by global step).
enum class TimestepMode { Continuous, Rounded, Table };

struct CfgDenoiserOptions {
  Prediction prediction = Prediction::Epsilon;
  GuidanceSchedule guidance;  // constant 1 by default (no uncond pass)
  TimestepMode timestep_mode = TimestepMode::Continuous;
  std::vector<double> timestep_table;  // for TimestepMode::Table
  // The σ each table entry belongs to. When given, a σ is looked up here rather than by step (an adaptive tail
  // starts again at step 0 from σ_k), and a σ the table does not hold (the tail's later points, a promotion's
  // start) gets the continuous t(σ).
  std::vector<double> timestep_sigmas;
  // LCM: the boundary condition on the x0 estimate, at the timestep the network received (use the model's
  // discrete timesteps, TimestepMode::Table). LCM runs without CFG: its guidance is timestep_cond.
  std::optional<ConsistencyBoundary> consistency;
  // The network's timestep_cond (LCM's guidance embedding [1, dim], nets::guidance_scale_embedding), undefined for
  // none. The denoiser does not read it: whoever builds the ModelFn from these options hands it to the network
  // (pipeline/stage_denoise.h, UNetDenoiser).
  at::Tensor timestep_cond;
};

class CfgDenoiser {
 public:
  CfgDenoiser(ModelFn model, std::shared_ptr<const DiscreteSchedule> schedule, CfgDenoiserOptions options);

  at::Tensor operator()(const at::Tensor& x, double sigma, int step) const;
  Denoiser as_denoiser() const;  // shares this object's counters (keep it alive while sampling)

  double timestep(double sigma, int step) const;
  int64_t model_calls() const { return *calls_; }     // network invocations
  int64_t model_samples() const { return *samples_; }  // images pushed through the network (batch rows)
  const CfgDenoiserOptions& options() const { return options_; }

 private:
  ModelFn model_;
  std::shared_ptr<const DiscreteSchedule> schedule_;
  CfgDenoiserOptions options_;
  std::shared_ptr<int64_t> calls_ = std::make_shared<int64_t>(0), samples_ = std::make_shared<int64_t>(0);
};

}  // namespace ripen::sampling
