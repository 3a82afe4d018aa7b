#pragma once
// Presets are data: each one turns a request into a SamplingPlan (schedule, samplers per step range, guidance
// per step, adaptive stopping, refinement). The pipeline only executes plans, so adding a preset adds no code
// path. Torch-free, so the GUI can show what a preset will do.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipeline/request.h"

namespace ripen {

// One sampler over steps [begin, end) of the plan's σ sequence (σ index i → i+1 is step i+1, 1-based).
// A phase boundary restarts the sampler, which is how a multistep history is reset at a switch.
struct SamplerPhase {
  std::string sampler;
  int begin = 0, end = 0;
  bool operator==(const SamplerPhase&) const = default;
};

struct AdaptivePlan {
  bool enabled = false;
  int min_steps = 8, max_steps = 22;
  std::vector<int> checkpoints{4, 8, 12, 16};  // steps after which the controller decides
  int tail_steps = 3;                 // stopping at step k finishes with this many steps from σ_k to 0
  std::string tail_sampler = "dpmpp_2m";
  bool operator==(const AdaptivePlan&) const = default;
};

struct SamplingPlan {
  std::string schedule = "karras";   // a name of the schedule registry (sampling/registry_names.h)
  int steps = 20;                    // steps of the σ sequence (the most the run will take before any tail)
  std::vector<SamplerPhase> phases;  // cover [0, steps) without gaps
  std::vector<double> cfg;           // guidance per step (size steps); 1.0 skips the uncond pass
  double tail_cfg = 7.0;             // guidance of adaptive tail steps
  double eta = 1.0, s_noise = 1.0;
  std::string solver_type = "midpoint";
  AdaptivePlan adaptive;
  int composition_steps = 0;         // the fast run keeps its latent after this many steps (σ_c) for promotion
  // Quality mode's optional 2x pass ("hires fix", pipeline/refine.h): upscale the base result (`refine_upscale`
  // "image" | "latent"), re-noise it to the σ at `refine_strength`, then `refine_steps` steps of `refine_sampler`
  // at the last step's guidance.
  bool refine_2x = false;
  int refine_steps = 20;
  double refine_strength = 0.45;
  std::string refine_sampler = "dpmpp_sde";
  std::string refine_upscale = "image";

  std::string sampler_at(int step_index) const;  // sampler of 0-based step index
  nlohmann::json to_json() const;
  bool operator==(const SamplingPlan&) const = default;
};

// The Fast-Track plan: steps 1–6 euler_ancestral with CFG 4.5→6.0, steps 7–12 `kFastTrackMiddleSampler` with
// CFG 6.0→8.5, steps 13+ dpmpp_2m at 8.5; one Karras σ sequence over `steps`; adaptive 8–22.
extern const char* const kFastTrackMiddleSampler;
SamplingPlan fast_track_plan(int steps = 22);

// Guidance of the Fast-Track ramps at 1-based step s.
double fast_track_cfg(int step);

// The plan a request asks for (presets fill in what they decide; Custom takes every field from the request).
// Throws ripen::Error on invalid requests (unknown sampler or schedule, steps < 1, CFG not finite, ...).
SamplingPlan plan_for(const GenerationRequest& request);

// Checks the request fields that do not need a model (size multiple of 8, batch, steps, CFG, names).
void validate_request(const GenerationRequest& request);

}  // namespace ripen
