#include "pipeline/plan_runner.h"

#include <algorithm>
#include <set>

#include "sampling/schedules.h"
#include "tensors/error.h"

namespace ripen {
namespace {
sampling::SamplerParams params_for(const SamplingPlan& plan, const std::string& sampler) {
  sampling::SamplerParams p;
  if (sampler != "ddim") p.eta = plan.eta;  // ddim keeps its deterministic default
  p.s_noise = plan.s_noise;
  p.solver_type = plan.solver_type == "heun" ? sampling::SolverType::Heun : sampling::SolverType::Midpoint;
  return p;
}
// Where the runner pauses the sampler: phase switches, the controller's checkpoints (counted from the plan's first
// step), the composition step.
std::set<int> chunk_ends(const SamplingPlan& plan, bool adaptive) {
  std::set<int> cuts{plan.steps};
  for (const auto& ph : plan.phases) cuts.insert(ph.begin), cuts.insert(ph.end);
  if (adaptive)
    for (int c : plan.adaptive.checkpoints)
      if (plan.adaptive.decides_at(c, plan.steps - plan.first_step)) cuts.insert(plan.first_step + c);
  if (plan.composition_step() > 0) cuts.insert(plan.composition_step());
  return cuts;
}

// The controller's plan for a run of `run_steps` steps: only the checkpoints where it may decide.
AdaptivePlan adaptive_over(AdaptivePlan a, int run_steps) {
  std::erase_if(a.checkpoints, [&](int k) { return !a.decides_at(k, run_steps); });
  return a;
}

StepEvent step_event(const PlanRunOptions& o, int step, int planned, double sigma_next, bool tail) {
  StepEvent e;
  e.step = o.step_offset + step;
  e.planned = o.step_offset + planned + o.planned_extra;
  e.sigma = sigma_next;
  e.phase = tail ? Phase::Tail : o.phase;
  return e;
}
}  // namespace

sampling::GuidanceSchedule guidance_of(const SamplingPlan& plan) {
  if (plan.cfg.empty()) return sampling::GuidanceSchedule::constant(1.0);
  bool constant = std::all_of(plan.cfg.begin(), plan.cfg.end(), [&](double c) { return c == plan.cfg[0]; });
  if (constant) return sampling::GuidanceSchedule::constant(plan.cfg[0]);
  std::vector<sampling::GuidanceSegment> segs;
  for (int i = 0; i < int(plan.cfg.size()); ++i) segs.push_back({i, i, plan.cfg[i], plan.cfg[i]});
  return sampling::GuidanceSchedule::piecewise(std::move(segs));
}

PlanRunResult run_plan(const SamplingPlan& plan, const DenoiserFactory& make_model, at::Tensor x,
                       const PlanRunOptions& o) {
  const int n = plan.steps;
  if (int(o.sigmas.size()) != n + 1) throw Error("run_plan: expected " + std::to_string(n + 1) + " sigmas");
  if (o.first_step < 0 || o.first_step >= n) throw Error("run_plan: first step outside the plan");
  if (plan.phases.empty()) throw Error("run_plan: plan has no sampler");

  // The plan's own start (step 0, or an img2img run's first step) runs it whole, with the controller; a later one
  // (promote continue) runs what is left of it.
  const bool own_start = o.first_step == plan.first_step;
  const int base = plan.first_step;
  AdaptiveController controller(adaptive_over(plan.adaptive, n - base), o.predictor);
  const bool adaptive = plan.adaptive.enabled && own_start;
  PlanRunResult r;
  r.steps_planned = n - o.first_step;
  r.stop_reason = adaptive ? controller.reason() : "planned steps";

  bool in_tail = false;
  int tail_base = 0;   // steps done before the tail started
  bool stop = false;
  sampling::Denoiser denoiser = make_model(guidance_of(plan));

  int steps_done = 0;
  auto callback = [&](const sampling::StepInfo& s) {
    int step = in_tail ? tail_base + s.step + 1 : s.step + 1 - o.first_step;
    at::Tensor preview = o.preview ? o.preview(s.denoised, step) : at::Tensor();
    if (adaptive && !in_tail &&
        controller.after_step(step, s.sigma_next, o.sigmas[size_t(base)], s.denoised, preview)) {
      stop = true;
      r.steps_planned = step + controller.tail_steps(step);
    }
    steps_done = step;
    r.sigmas_used.push_back(s.sigma);
    if (o.on_step)
      o.on_step(PlanStep{step_event(o, step, r.steps_planned, s.sigma_next, in_tail), s.sigma, s.sigma_next, s.x,
                         s.denoised, preview});
  };

  sampling::SamplerContext ctx;
  ctx.noise = o.noise;
  ctx.cancel = o.cancel;
  ctx.callback = callback;
  sampling::MultistepHistory history;
  ctx.history = &history;

  // One sampler call over `slice`, or one per step with the after-step hook between them.
  auto run_slice = [&](const sampling::SamplerInfo& info, const sampling::Denoiser& d, at::Tensor xs,
                       std::span<const double> slice, const sampling::SamplerParams& params) {
    if (!o.after_step) return info.fn(d, xs, slice, ctx, params);
    const int base = ctx.step_offset;
    for (size_t i = 0; i + 1 < slice.size(); ++i) {
      ctx.step_offset = base + int(i);
      xs = o.after_step(info.fn(d, xs, slice.subspan(i, 2), ctx, params), slice[i + 1]);
    }
    ctx.step_offset = base;
    return xs;
  };

  const int composition_at = own_start ? plan.composition_step() : 0;
  auto keep_composition = [&](int at) {
    if (composition_at == 0 || at != composition_at) return;
    r.composition = x;
    r.composition_sigma = o.sigmas[size_t(at)];
  };
  std::string current;
  int a = o.first_step;
  keep_composition(a);
  for (int b : chunk_ends(plan, adaptive)) {
    if (b <= a || b > n) continue;
    std::string sampler = plan.sampler_at(a);
    if (sampler != current) history.reset();
    current = sampler;
    const auto& info = sampling::sampler_by_name(sampler);
    ctx.step_offset = a;
    std::span<const double> slice(o.sigmas.data() + a, size_t(b - a + 1));
    x = run_slice(info, denoiser, x, slice, params_for(plan, sampler));
    keep_composition(b);
    a = b;
    if (stop) break;
  }

  if (stop && o.sigmas[a] > 0) {
    // Finish from σ_k to 0 on a short Karras tail (never hand back a noisy estimate).
    int t = controller.tail_steps(a - base);
    double sigma_k = o.sigmas[a];
    std::vector<double> tail = sampling::karras_sigmas(t, std::min(o.sigma_min, sigma_k * 0.5), sigma_k);
    tail.front() = sigma_k;
    const std::string& ts = plan.adaptive.tail_sampler;
    const auto& info = sampling::sampler_by_name(ts);
    if (ts != current || !info.multistep) history.reset();
    in_tail = true;
    tail_base = steps_done;
    ctx.step_offset = 0;
    x = run_slice(info, make_model(sampling::GuidanceSchedule::constant(plan.tail_cfg)), x, tail, params_for(plan, ts));
    r.stop_reason = controller.reason();
  } else if (adaptive) {
    r.stop_reason = controller.reason();
  }
  r.x = x;
  r.steps_used = steps_done;
  r.steps_planned = steps_done;
  r.model_calls = ctx.model_calls;
  r.sigmas_used.push_back(0.0);
  r.checkpoints = controller.history();
  return r;
}

}  // namespace ripen
