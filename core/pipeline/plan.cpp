#include "pipeline/plan.h"

#include <algorithm>
#include <cmath>

#include "tensors/error.h"
#include "tensors/json_file.h"

namespace ripen {

int AdaptivePlan::tail_steps_after(int step) const { return std::max({1, tail_steps, min_steps - step}); }

bool AdaptivePlan::decides_at(int step, int run_steps) const {
  return step > 0 && step < std::min(max_steps, run_steps) && step + tail_steps_after(step) <= run_steps &&
         std::find(checkpoints.begin(), checkpoints.end(), step) != checkpoints.end();
}

int SamplingPlan::composition_step() const {
  return composition_steps > 0 ? std::max(composition_steps, first_step) : 0;
}

std::string SamplingPlan::sampler_at(int i) const {
  for (const auto& p : phases)
    if (i >= p.begin && i < p.end) return p.sampler;
  return phases.empty() ? std::string() : phases.back().sampler;
}

nlohmann::json SamplingPlan::to_json() const {
  nlohmann::json ph = nlohmann::json::array();
  for (const auto& p : phases) ph.push_back({{"sampler", p.sampler}, {"begin", p.begin}, {"end", p.end}});
  return {{"schedule", schedule},
          {"steps", steps},
          {"first_step", first_step},
          {"phases", ph},
          {"cfg", cfg},
          {"tail_cfg", tail_cfg},
          {"eta", eta},
          {"s_noise", s_noise},
          {"solver_type", solver_type},
          {"adaptive",
           {{"enabled", adaptive.enabled},
            {"min_steps", adaptive.min_steps},
            {"max_steps", adaptive.max_steps},
            {"checkpoints", adaptive.checkpoints},
            {"tail_steps", adaptive.tail_steps},
            {"tail_sampler", adaptive.tail_sampler}}},
          {"composition_steps", composition_steps},
          {"hires", hires},
          {"hires_steps", hires_steps},
          {"hires_strength", hires_strength},
          {"hires_sampler", hires_sampler},
          {"hires_upscale", hires_upscale}};
}

SamplingPlan SamplingPlan::from_json(const nlohmann::json& in) {
  static constexpr RenamedKey renamed[] = {{"refine_2x", "hires"},
                                           {"refine_steps", "hires_steps"},
                                           {"refine_strength", "hires_strength"},
                                           {"refine_sampler", "hires_sampler"},
                                           {"refine_upscale", "hires_upscale"}};
  const nlohmann::json j = with_current_keys(in, renamed);
  SamplingPlan p;
  const char* key = "plan";
  // Every key is required: a plan is only ever written whole (to_json), so a missing key means a damaged one.
  auto get = [&](const nlohmann::json& obj, const char* k, auto& field) {
    key = k;
    field = obj.at(k).get<std::decay_t<decltype(field)>>();
  };
  try {
    if (!j.is_object()) throw Error("sampling plan JSON is not an object");
    get(j, "schedule", p.schedule);
    get(j, "steps", p.steps);
    key = "first_step";
    p.first_step = j.value("first_step", 0);  // absent in plans written before image inputs
    key = "phases";
    for (const auto& ph : j.at("phases")) {
      SamplerPhase s;
      get(ph, "sampler", s.sampler);
      get(ph, "begin", s.begin);
      get(ph, "end", s.end);
      p.phases.push_back(s);
    }
    get(j, "cfg", p.cfg);
    get(j, "tail_cfg", p.tail_cfg);
    get(j, "eta", p.eta);
    get(j, "s_noise", p.s_noise);
    get(j, "solver_type", p.solver_type);
    key = "adaptive";
    const auto& a = j.at("adaptive");
    get(a, "enabled", p.adaptive.enabled);
    get(a, "min_steps", p.adaptive.min_steps);
    get(a, "max_steps", p.adaptive.max_steps);
    get(a, "checkpoints", p.adaptive.checkpoints);
    get(a, "tail_steps", p.adaptive.tail_steps);
    get(a, "tail_sampler", p.adaptive.tail_sampler);
    get(j, "composition_steps", p.composition_steps);
    get(j, "hires", p.hires);
    get(j, "hires_steps", p.hires_steps);
    get(j, "hires_strength", p.hires_strength);
    get(j, "hires_sampler", p.hires_sampler);
    get(j, "hires_upscale", p.hires_upscale);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("sampling plan JSON: key '") + key + "': " + e.what());
  }
  return p;
}

SamplingPlan with_steps(SamplingPlan p, int steps) {
  if (steps < 1) throw Error("a plan needs at least one step");
  std::erase_if(p.phases, [&](const SamplerPhase& ph) { return ph.begin >= steps; });
  if (!p.phases.empty()) p.phases.back().end = steps;
  const double last_cfg = p.cfg.empty() ? 1.0 : p.cfg.back();
  p.cfg.resize(size_t(steps), last_cfg);
  if (p.composition_steps >= steps) p.composition_steps = 0;
  p.first_step = std::min(p.first_step, steps - 1);
  p.steps = steps;
  return p;
}

std::vector<RanSegment> ran_segments(const SamplingPlan& p, int steps_used) {
  const int n = p.steps, first = std::clamp(p.first_step, 0, std::max(0, n - 1)), run = n - first;
  int begin = first, end = n, tail = 0;  // plan steps [begin, end) ran, then `tail` tail steps
  if (steps_used > 0 && steps_used < run) {
    end = first + steps_used;
    if (p.adaptive.enabled) {
      for (int k : p.adaptive.checkpoints)
        if (p.adaptive.decides_at(k, run) && k + p.adaptive.tail_steps_after(k) == steps_used)
          end = first + k, tail = steps_used - k;
    } else {
      begin = n - steps_used, end = n;
    }
  }
  auto cfg_at = [&](int i) { return i < int(p.cfg.size()) ? p.cfg[i] : p.tail_cfg; };
  std::vector<RanSegment> out;
  for (int i = begin; i < end; ++i) {
    const std::string s = p.sampler_at(i);
    if (!out.empty() && out.back().sampler == s && !out.back().tail) {
      out.back().last = i + 1, out.back().cfg_last = cfg_at(i);
    } else {
      out.push_back({s, i + 1, i + 1, cfg_at(i), cfg_at(i), false});
    }
  }
  if (tail > 0) out.push_back({p.adaptive.tail_sampler, end + 1, end + tail, p.tail_cfg, p.tail_cfg, true});
  return out;
}

RunSummary summarize_run(const SamplingPlan& plan, int steps_used) {
  RunSummary r;
  r.segments = ran_segments(plan, steps_used);
  const RanSegment* main = nullptr;
  double sum = 0;
  for (const RanSegment& s : r.segments) {
    r.steps += s.steps();
    if (!main || s.steps() > main->steps()) main = &s;
    for (int i = s.first - 1; i < s.last; ++i) {
      const double c = s.tail || i >= int(plan.cfg.size()) ? plan.tail_cfg : plan.cfg[i];
      sum += c;
      r.cfg_constant = r.cfg_constant && c == r.segments.front().cfg_first;
    }
  }
  r.sampler = main ? main->sampler : plan.sampler_at(0);
  if (r.steps == 0) r.cfg = plan.cfg.empty() ? plan.tail_cfg : plan.cfg.front();
  else r.cfg = r.cfg_constant ? r.segments.front().cfg_first : std::round(sum / r.steps * 10) / 10;
  return r;
}

}  // namespace ripen
