#pragma once
// A SamplingPlan is what a preset makes of a request (pipeline/presets.h): the σ schedule, the sampler of each step
// range, guidance per step, adaptive stopping and the 2x pass. Plain data without libtorch, so a generation's
// record, its image metadata and the library keep the plan that ran (GenerationRecord::plan) in one JSON shape.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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
  // Steps of the finishing tail when stopping after `step` (at least tail_steps, and enough to reach min_steps).
  int tail_steps_after(int step) const;
  // Whether the controller decides after `step` of a run of `run_steps` steps: a checkpoint where stopping and the
  // tail take no more steps than running on.
  bool decides_at(int step, int run_steps) const;
  bool operator==(const AdaptivePlan&) const = default;
};

struct SamplingPlan {
  std::string schedule = "karras";   // karras | exponential | discrete
  int steps = 20;                    // steps of the σ sequence (the most the run will take before any tail)
  // Where the run starts in that sequence: 0, or an img2img run's first step (the strength's). Adaptive
  // checkpoints, min_steps and max_steps count the steps run from here.
  int first_step = 0;
  std::vector<SamplerPhase> phases;  // cover [0, steps) without gaps
  std::vector<double> cfg;           // guidance per step (size steps); 1.0 skips the uncond pass
  double tail_cfg = 7.0;             // guidance of adaptive tail steps
  double eta = 1.0, s_noise = 1.0;
  std::string solver_type = "midpoint";
  AdaptivePlan adaptive;
  int composition_steps = 0;         // the fast run keeps its latent after this many steps (σ_c) for promotion
  // The σ index the composition latent is kept at: composition_steps, or first_step for a run that starts below
  // σ_c (its start is its composition); 0: none.
  int composition_step() const;
  // Quality mode's optional 2x pass ("hires fix", pipeline/hires.h): upscale the base result (`hires_upscale`
  // "image" | "latent"), re-noise it to the σ at `hires_strength`, then `hires_steps` steps of `hires_sampler`
  // at the last step's guidance.
  bool hires = false;
  int hires_steps = 20;
  double hires_strength = 0.45;
  std::string hires_sampler = "dpmpp_sde";
  std::string hires_upscale = "image";

  std::string sampler_at(int step_index) const;  // sampler of 0-based step index
  nlohmann::json to_json() const;
  static SamplingPlan from_json(const nlohmann::json& j);  // throws ripen::Error naming the bad key
  bool operator==(const SamplingPlan&) const = default;
};

// The plan over `steps` steps, for a schedule that makes another number than asked (ddim_uniform, beta): phases
// past the end are dropped and the last one ends there, guidance repeats its last value, a composition cut past the
// end is dropped.
SamplingPlan with_steps(SamplingPlan plan, int steps);

// A stretch of the base pass as it ran: one sampler over 1-based steps [first, last], the guidance it had at its
// first and last step; `tail` for the adaptive finish (its own short Karras σ sequence from σ_k to 0).
struct RanSegment {
  std::string sampler;
  int first = 0, last = 0;
  double cfg_first = 0, cfg_last = 0;
  bool tail = false;
  int steps() const { return last - first + 1; }
  bool operator==(const RanSegment&) const = default;
};

// What the base pass of `plan` ran when it took `steps_used` steps (GenerationRecord::steps_used less the 2x pass's):
// the plan from first_step, or the plan up to the checkpoint k (counted from first_step) where the adaptive controller stopped (the one with
// k + tail_steps_after(k) == steps_used) followed by the tail, or — a run that started part-way (promote continue)
// — the plan's last steps_used steps. Consecutive phases of one sampler form one segment. steps_used <= 0: the plan.
std::vector<RanSegment> ran_segments(const SamplingPlan& plan, int steps_used);

// A run in the few numbers other tools keep (A1111's Steps, Sampler and CFG scale; the library's columns): the
// base pass's steps taken, the sampler that ran the most of them (the earlier on a tie), and the guidance — its
// value when it was constant, else its mean over the steps, to 0.1.
struct RunSummary {
  std::vector<RanSegment> segments;
  int steps = 0;
  std::string sampler;
  double cfg = 0;
  bool cfg_constant = true;
};
RunSummary summarize_run(const SamplingPlan& plan, int steps_used);

}  // namespace ripen
