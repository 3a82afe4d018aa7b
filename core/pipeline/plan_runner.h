#pragma once
// Executes a SamplingPlan: one σ sequence, the plan's samplers over their step ranges (a phase switch restarts
// the sampler and resets its multistep history; slices of one phase share it, so chunking changes nothing),
// guidance per step, the adaptive controller at its checkpoints and the finishing tail to σ = 0.
// Knows nothing about networks: the caller hands a factory that makes the guided denoiser for a guidance schedule
// (the pipeline wraps sampling::CfgDenoiser; tests use analytic denoisers).
#include <ATen/ATen.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/adaptive.h"
#include "pipeline/events.h"
#include "pipeline/presets.h"
#include "sampling/guidance.h"
#include "sampling/sampler.h"

namespace ripen {

using DenoiserFactory = std::function<sampling::Denoiser(const sampling::GuidanceSchedule&)>;

// The plan's per-step CFG as a guidance schedule over global step indices.
sampling::GuidanceSchedule guidance_of(const SamplingPlan& plan);

struct PlanStep {
  // The caller's event, numbered (1-based count of steps done including this one, steps expected now, both with
  // PlanRunOptions::step_offset) and phased (options' phase, or Tail for an adaptive finishing step); no picture.
  StepEvent event;
  double sigma = 0, sigma_next = 0;
  bool tail() const { return event.phase == Phase::Tail; }
  const at::Tensor& x;         // x at the start of the step
  const at::Tensor& denoised;  // the x0 estimate of this step
  const at::Tensor& preview;   // preview of `denoised` (undefined when no preview function)
};

struct PlanRunOptions {
  std::vector<double> sigmas;  // the plan's σ sequence (plan.steps + 1 values, last 0)
  // Start at sigmas[first_step]: the plan's own first_step (an img2img run, with the adaptive controller and the
  // composition latent), or a later one (continuing a promoted run: neither).
  int first_step = 0;
  double sigma_min = 0.0292;   // the model's σmin: the tail's schedule ends there before 0
  sampling::NoiseSampler noise;
  const std::atomic<bool>* cancel = nullptr;
  // Latent → small RGB preview [B, 3, h, w] in [0, 1]; feeds the controller's preview-space score and events.
  std::function<at::Tensor(const at::Tensor& denoised, int step)> preview;
  std::function<void(const PlanStep&)> on_step;
  std::shared_ptr<StopPredictor> predictor;  // null: heuristic
  // Applied to x after every step, with σ_next (diffusers' inpainting blend). The samplers then run one step per
  // call; slices share the multistep history, so nothing else changes.
  std::function<at::Tensor(const at::Tensor& x, double sigma_next)> after_step;
  // Event numbering: a pass that continues another (the hires pass) counts on from step_offset, and the base
  // pass announces the steps a later pass will add (planned_extra).
  int step_offset = 0;
  int planned_extra = 0;
  Phase phase = Phase::Sampling;
};

struct PlanRunResult {
  at::Tensor x;                    // the final latent (σ = 0)
  at::Tensor composition;          // x at plan.composition_step() (undefined when 0 or continuing a run)
  double composition_sigma = 0;
  int steps_used = 0, steps_planned = 0;
  int64_t model_calls = 0;
  std::string stop_reason;
  std::vector<double> sigmas_used; // the σ values actually visited, ending with 0
  std::vector<CheckpointRecord> checkpoints;
};

// Throws sampling::Cancelled when the cancel flag is set (checked before every model evaluation).
// The tail (global step indices from 0 again) is guided by plan.tail_cfg.
PlanRunResult run_plan(const SamplingPlan& plan, const DenoiserFactory& make_model, at::Tensor x,
                       const PlanRunOptions& opts);

}  // namespace ripen
