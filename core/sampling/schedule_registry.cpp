#include <cmath>

#include "sampling/schedules.h"
#include "tensors/error.h"

namespace ripen::sampling {
namespace {
Schedule from_sigmas(std::vector<double> sigmas) {
  Schedule s;
  s.init_noise_sigma = sigmas.front();
  s.sigmas = std::move(sigmas);
  return s;
}

DiscreteSchedule comfy_table(const DiscreteSchedule& model) {
  return DiscreteSchedule::from_training(model.training(), TableConvention::ComfyUI);
}

Schedule diffusers_spacing(int n, const DiscreteSchedule& model, TimestepSpacing spacing) {
  const TrainingNoise& t = model.training();
  DiffusersTimesteps d = diffusers_euler_timesteps(training_alphas_cumprod(t, TableConvention::Diffusers), n,
                                                   spacing, t.steps_offset);
  return {d.sigmas, d.timesteps, d.init_noise_sigma};
}

// LCM's σ at its timesteps on diffusers' table; it starts from unit-variance noise in the VP form, which is
// x_T = noise·sqrt(σ_0² + 1) in the σ form the samplers use.
Schedule lcm(int n, const DiscreteSchedule& model, const ScheduleParams& p) {
  const TrainingNoise& t = model.training();
  DiscreteSchedule table = DiscreteSchedule::from_training(t, TableConvention::Diffusers);
  Schedule s;
  for (int64_t step : lcm_timesteps(n, t.num_train_timesteps, t.original_inference_steps, p.strength)) {
    s.timesteps.push_back(double(step));
    s.sigmas.push_back(table.sigmas()[step].item<double>());
  }
  s.sigmas.push_back(0.0);
  s.init_noise_sigma = std::sqrt(s.sigmas.front() * s.sigmas.front() + 1);
  return s;
}

const std::vector<ScheduleInfo>& registry() {
  using M = const DiscreteSchedule&;
  using P = const ScheduleParams&;
  static const std::vector<ScheduleInfo> table = {
      {"karras", [](int n, M m, P p) { return from_sigmas(karras_sigmas(n, m.sigma_min(), m.sigma_max(), p.rho)); }},
      {"exponential", [](int n, M m, P) { return from_sigmas(exponential_sigmas(n, m.sigma_min(), m.sigma_max())); }},
      {"discrete", [](int n, M m, P) { return from_sigmas(m.get_sigmas(n)); }},
      {"normal", [](int n, M m, P) { return from_sigmas(comfy_normal_sigmas(comfy_table(m), n, false)); }},
      {"sgm_uniform", [](int n, M m, P) { return from_sigmas(comfy_normal_sigmas(comfy_table(m), n, true)); }},
      {"simple", [](int n, M m, P) { return from_sigmas(comfy_simple_sigmas(comfy_table(m), n)); }},
      {"ddim_uniform", [](int n, M m, P) { return from_sigmas(comfy_ddim_uniform_sigmas(comfy_table(m), n)); }},
      {"beta", [](int n, M m, P) { return from_sigmas(comfy_beta_sigmas(comfy_table(m), n)); }},
      {"linspace", [](int n, M m, P) { return diffusers_spacing(n, m, TimestepSpacing::Linspace); }},
      {"leading", [](int n, M m, P) { return diffusers_spacing(n, m, TimestepSpacing::Leading); }},
      {"trailing", [](int n, M m, P) { return diffusers_spacing(n, m, TimestepSpacing::Trailing); }},
      {"lcm", lcm, true},
  };
  return table;
}

// img2img's rule (diffusers' get_timesteps): of an n-step schedule run the last int(n·strength) steps.
Schedule last_part(Schedule s, double strength) {
  const int n = s.steps(), keep = std::min(int(n * strength), n);
  if (keep < 1)
    throw Error("strength " + std::to_string(strength) + " leaves no step of " + std::to_string(n));
  s.sigmas.erase(s.sigmas.begin(), s.sigmas.begin() + (n - keep));
  if (!s.timesteps.empty()) s.timesteps.erase(s.timesteps.begin(), s.timesteps.begin() + (n - keep));
  s.init_noise_sigma = s.sigmas.front();
  return s;
}
}  // namespace

const ScheduleInfo& schedule_by_name(const std::string& name) {
  for (const auto& info : registry())
    if (info.name == name) return info;
  throw Error("unknown schedule '" + name + "' (available: " + joined_names(schedule_names()) + ")");
}

std::vector<std::string> schedule_names() {
  std::vector<std::string> out;
  for (const auto& info : registry()) out.push_back(info.name);
  return out;
}

bool is_schedule_name(const std::string& name) {
  for (const auto& info : registry())
    if (info.name == name) return true;
  return false;
}

Schedule make_schedule(const std::string& name, int n, const DiscreteSchedule& model, const ScheduleParams& params) {
  const ScheduleInfo& info = schedule_by_name(name);
  if (n < 1) throw Error(name + " schedule: number of steps must be at least 1, got " + std::to_string(n));
  if (!(params.strength > 0 && params.strength <= 1))
    throw Error(name + " schedule: strength must lie in (0, 1], got " + std::to_string(params.strength));
  Schedule s = info.build(n, model, params);
  return info.own_strength || params.strength == 1.0 ? s : last_part(std::move(s), params.strength);
}

std::vector<double> make_sigmas(const std::string& name, int n, const DiscreteSchedule& model, double rho) {
  return make_schedule(name, n, model, {rho, 1.0}).sigmas;
}

}  // namespace ripen::sampling
