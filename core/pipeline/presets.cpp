#include "pipeline/presets.h"

#include <algorithm>
#include <cmath>

#include "sampling/registry_names.h"
#include "tensors/error.h"

namespace ripen {

// Steps 7-12, chosen by measurement (`ripen-cli train contact-sheet --model embedded --data .train/emoji.safetensors
// --out S.png --count 6 --seed 11 --seeds 2 --continue-count 0 --middle-samplers euler,euler_ancestral,dpmpp_2m`,
// 12 prompt/seed pairs, same UNet evaluations: 22 with adaptive stopping off). SSIM to the quality-mode image of the
// same seed: euler_ancestral 0.702, euler 0.597, dpmpp_2m 0.596 (two different seeds: 0.545), euler_ancestral ahead
// in 11 of 12 pairs; sharpness (Laplacian variance over quality's) 0.96 / 0.98 / 1.01, all close to quality; with
// the adaptive controller on, 18.2 / 17.9 / 18.2 steps and the same SSIM order (0.703 / 0.597 / 0.592). Ancestral
// steps draw their noise from the same Brownian path that quality mode's dpmpp_sde uses, so the fast image stays
// nearer to what the seed ripens into at a quarter of a step's extra cost on average; heun (2 evaluations a step)
// was not measured.
const char* const kFastTrackMiddleSampler = "euler_ancestral";

double fast_track_cfg(int s) {
  if (s <= 6) return 4.5 + 1.5 * (std::max(s, 1) - 1) / 5.0;  // 4.5 at step 1 … 6.0 at step 6
  if (s <= 12) return 6.0 + 2.5 * (s - 6) / 6.0;              // … 8.5 at step 12
  return 8.5;
}

SamplingPlan fast_track_plan(int steps) {
  SamplingPlan p;
  p.schedule = "karras";
  p.steps = steps;
  p.phases.push_back({"euler_ancestral", 0, std::min(6, steps)});
  if (steps > 6) p.phases.push_back({kFastTrackMiddleSampler, 6, std::min(12, steps)});
  if (steps > 12) p.phases.push_back({"dpmpp_2m", 12, steps});
  for (int s = 1; s <= steps; ++s) p.cfg.push_back(fast_track_cfg(s));
  p.tail_cfg = 8.5;
  p.adaptive.enabled = true;
  p.adaptive.min_steps = 8;
  p.adaptive.max_steps = steps;
  p.composition_steps = std::min(6, steps);
  return p;
}

// A few-step model's x0 estimate is already sharp, so stopping finishes with one step of its own sampler; the
// controller compares estimates a quarter of the run apart, from half the steps on.
AdaptivePlan few_step_adaptive(int steps, const std::string& sampler) {
  AdaptivePlan a;
  a.enabled = steps >= 2;
  a.min_steps = std::max(1, steps / 2);
  a.max_steps = steps;
  a.checkpoints.clear();
  const int every = std::max(1, steps / 4);
  for (int k = every; k < steps; k += every) a.checkpoints.push_back(k);
  a.tail_steps = 1;
  a.tail_sampler = sampler;
  return a;
}

SamplingPlan draft_plan(const GenerationRequest& r, const DraftDefaults& student) {
  SamplingPlan p;
  const int n = (r.steps >= 1 && r.steps <= 8) ? r.steps : student.steps;
  p.schedule = "lcm";  // the pipeline gives it the student's original_inference_steps
  p.steps = n;
  p.phases = {{"lcm", 0, n}};
  // Constant: a guidance-embedding UNet embeds the first step's value and runs without a CFG batch (stage_denoise).
  p.cfg.assign(n, student.guidance);
  p.tail_cfg = student.guidance;
  // No adaptive stop (fast mode's): the student's few steps each change the image; none is left to save.
  return p;
}

void validate_request(const GenerationRequest& r) {
  auto fail = [](const std::string& m) { throw Error(m); };
  const bool native_size = r.width == 0 && r.height == 0;  // resolved from the model by Pipeline::generate
  if (!native_size && (r.width < 8 || r.height < 8 || r.width % 8 || r.height % 8))
    fail("size " + std::to_string(r.width) + "x" + std::to_string(r.height) + " is not a positive multiple of 8");
  if (r.width > 8192 || r.height > 8192) fail("size is larger than 8192 pixels on a side");
  if (r.batch < 1 || r.batch > 64) fail("batch " + std::to_string(r.batch) + " is outside 1..64");
  if (r.steps < 1) fail("steps " + std::to_string(r.steps) + " is below 1");
  if (r.steps > 1000) fail("steps " + std::to_string(r.steps) + " is above 1000");
  if (!std::isfinite(r.cfg)) fail("CFG is not a finite number");
  for (double c : r.cfg_schedule)
    if (!std::isfinite(c)) fail("CFG schedule holds a value that is not a finite number");
  if (!std::isfinite(r.eta) || r.eta < 0) fail("eta must be a finite number >= 0");
  if (!std::isfinite(r.s_noise) || r.s_noise < 0) fail("s_noise must be a finite number >= 0");
  if (r.clip_skip < 1 || r.clip_skip > 12) fail("clip skip " + std::to_string(r.clip_skip) + " is outside 1..12");
  if (!sampling::is_sampler_name(r.sampler))
    fail("unknown sampler '" + r.sampler + "' (expected one of: " + sampling::joined_names(sampling::sampler_names()) + ")");
  if (!sampling::is_schedule_name(r.schedule))
    fail("unknown schedule '" + r.schedule + "' (expected one of: " + sampling::joined_names(sampling::schedule_names()) +
         ")");
  if (r.solver_type != "midpoint" && r.solver_type != "heun")
    fail("unknown solver type '" + r.solver_type + "' (expected midpoint or heun)");
  if (!std::isfinite(r.hires_strength) || r.hires_strength <= 0 || r.hires_strength > 1)
    fail("hires strength must lie in (0, 1]");
  if (!std::isfinite(r.polish_sigma) || r.polish_sigma < 0) fail("polish sigma must be a finite number >= 0");
  if (!std::isfinite(r.polish_strength) || r.polish_strength <= 0 || r.polish_strength > 1)
    fail("polish strength must lie in (0, 1]");
  if (r.hires_steps < 1 || r.hires_steps > 150)
    fail("hires steps " + std::to_string(r.hires_steps) + " is outside 1..150");
  if (r.hires && (r.preset == Preset::Fast || r.preset == Preset::Lightning || r.preset == Preset::Draft))
    fail("the 2x hires pass applies to the quality and custom presets, not " + to_string(r.preset));
  if (r.hires && (int64_t(r.width) * 2 > 8192 || int64_t(r.height) * 2 > 8192))
    fail("the 2x hires pass would exceed 8192 pixels on a side");
}

SamplingPlan plan_for(const GenerationRequest& r) {
  validate_request(r);
  return describe_plan(r);
}

SamplingPlan describe_plan(const GenerationRequest& r) {
  SamplingPlan p;
  switch (r.preset) {
    case Preset::Fast:
      return fast_track_plan(22);
    case Preset::Quality:
      p.schedule = "karras";
      p.steps = 30;
      p.phases = {{"dpmpp_sde", 0, 30}};
      p.cfg.assign(30, 9.0);
      p.tail_cfg = 9.0;
      p.hires = r.hires;
      p.hires_steps = r.hires_steps;
      p.hires_strength = r.hires_strength;
      p.hires_sampler = "dpmpp_sde";
      p.hires_upscale = to_string(r.hires_upscale);
      return p;
    case Preset::Lightning: {
      int n = (r.steps >= 4 && r.steps <= 6) ? r.steps : 4;
      p.schedule = "discrete";
      p.steps = n;
      p.phases = {{"lcm", 0, n}};
      p.cfg.assign(n, 1.0);
      p.tail_cfg = 1.0;
      return p;
    }
    case Preset::Draft:
      return draft_plan(r, {});
    case Preset::Custom:
      p.schedule = r.schedule;
      p.steps = r.steps;
      p.phases = {{r.sampler, 0, r.steps}};
      if (!r.cfg_schedule.empty()) {
        for (int i = 0; i < r.steps; ++i)
          p.cfg.push_back(r.cfg_schedule[std::min<size_t>(i, r.cfg_schedule.size() - 1)]);
      } else {
        p.cfg.assign(r.steps, r.cfg);
      }
      p.tail_cfg = p.cfg.empty() ? r.cfg : p.cfg.back();
      if (r.adaptive) p.adaptive = few_step_adaptive(r.steps, r.sampler);
      p.eta = r.eta;
      p.s_noise = r.s_noise;
      p.solver_type = r.solver_type;
      p.hires = r.hires;
      p.hires_steps = r.hires_steps;
      p.hires_strength = r.hires_strength;
      p.hires_sampler = r.sampler;
      p.hires_upscale = to_string(r.hires_upscale);
      return p;
  }
  return p;
}

SamplingPlan plan_of(const GenerationRequest& request, const GenerationRecord& record) {
  return record.plan ? *record.plan : describe_plan(request);
}

void set_request_from_plan(GenerationRequest& r, const SamplingPlan& p) {
  switch (r.preset) {
    case Preset::Fast:
      return;
    case Preset::Lightning:
    case Preset::Draft:
      r.steps = p.steps;
      return;
    case Preset::Custom:
      r.schedule = p.schedule;
      r.steps = p.steps;
      if (!p.phases.empty()) r.sampler = p.phases.front().sampler;
      r.cfg_schedule.clear();
      if (!p.cfg.empty()) r.cfg = p.cfg.front();
      if (std::any_of(p.cfg.begin(), p.cfg.end(), [&](double c) { return c != p.cfg.front(); })) r.cfg_schedule = p.cfg;
      r.eta = p.eta;
      r.s_noise = p.s_noise;
      r.solver_type = p.solver_type;
      r.adaptive = p.adaptive.enabled;
      [[fallthrough]];
    case Preset::Quality:
      r.hires = p.hires;
      r.hires_steps = p.hires_steps;
      r.hires_strength = p.hires_strength;
      r.hires_upscale = hires_upscale_from_string(p.hires_upscale);
      return;
  }
}

}  // namespace ripen
