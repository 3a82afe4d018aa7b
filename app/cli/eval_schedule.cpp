// ripen-cli eval --component schedule: one schedule of the registry for a model or a diffusers scheduler config.
//   (--model M | --scheduler-config scheduler_config.json) --schedule NAME [--spacing leading|trailing|linspace]
//   --steps N [--strength S] [--rho R] --output OUT.safetensors
// OUT holds `sigmas` (float64, with the final 0), `init_noise_sigma`, and for schedules that fix the UNet's
// timesteps `timesteps` (int64 where they are whole numbers, else float64); lcm adds `alphas_cumprod_t`.
// `--schedule discrete --spacing S` is the schedule S (a diffusers spacing). With a bare scheduler config,
// karras/exponential/discrete use ComfyUI's σ table of it; with a model, the model's own.
#include <algorithm>
#include <cmath>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "models/model.h"
#include "pipeline/stage_denoise.h"
#include "sampling/schedules.h"
#include "tensors/error.h"
#include "tensors/json_file.h"
#include "tensors/safetensors.h"

namespace ripen::cli {
namespace {
sampling::DiscreteSchedule schedule_source(Args& args) {
  auto model = args.get("--model");
  auto config = args.get("--scheduler-config");
  if (bool(model) == bool(config)) throw UsageError{"give one of --model M or --scheduler-config JSON"};
  if (config) {
    auto noise = sampling::TrainingNoise::from_scheduler_config(read_json_file(*config), *config);
    return sampling::DiscreteSchedule::from_training(noise, sampling::TableConvention::ComfyUI);
  }
  models::LoadOptions o;
  o.compute_hash = false;
  models::ModelInfo info = models::inspect_model(*model, o);
  return model_schedule(info.scheduler, info.detection.layout, info.name);
}

std::string schedule_name(Args& args) {
  std::string name = args.require("--schedule");
  if (auto spacing = args.get("--spacing")) {
    if (*spacing != "leading" && *spacing != "trailing" && *spacing != "linspace")
      throw UsageError{"--spacing must be leading, trailing or linspace, got '" + *spacing + "'"};
    if (name != "discrete" && name != *spacing)
      throw UsageError{"--spacing applies to --schedule discrete (the diffusers spacings), not '" + name + "'"};
    name = *spacing;
  }
  if (!sampling::is_schedule_name(name))
    throw UsageError{"unknown schedule '" + name + "' (available: " + sampling::joined_names(sampling::schedule_names()) + ")"};
  return name;
}

at::Tensor timesteps_tensor(const std::vector<double>& ts) {
  const bool whole = std::all_of(ts.begin(), ts.end(), [](double t) { return t == std::floor(t); });
  at::Tensor t = at::tensor(ts, at::kDouble);
  return whole ? t.to(at::kLong) : t;
}

int eval_schedule(Args& args) {
  const std::string name = schedule_name(args);
  const int steps = args.get_int("--steps", 0);
  if (steps < 1) throw UsageError{"--steps N (N >= 1) is required"};
  sampling::ScheduleParams params;
  params.strength = args.get_double("--strength", 1.0);
  params.rho = args.get_double("--rho", params.rho);
  const std::string output = args.require("--output");
  sampling::DiscreteSchedule model = schedule_source(args);
  args.finish();

  sampling::Schedule s = sampling::make_schedule(name, steps, model, params);
  std::map<std::string, at::Tensor> out{{"sigmas", at::tensor(s.sigmas, at::kDouble)},
                                        {"init_noise_sigma", at::tensor({s.init_noise_sigma}, at::kDouble)}};
  if (!s.timesteps.empty()) out["timesteps"] = timesteps_tensor(s.timesteps);
  if (name == "lcm") {
    at::Tensor ac = sampling::training_alphas_cumprod(model.training(), sampling::TableConvention::Diffusers);
    at::Tensor t = out["timesteps"];
    out["alphas_cumprod_t"] = ac.index({t}).to(at::kDouble);
  }
  save_safetensors(output, out, {{"schedule", name}});
  std::cout << nlohmann::json{{"schedule", name}, {"steps", s.steps()}, {"sigmas", s.sigmas},
                              {"timesteps", s.timesteps}, {"init_noise_sigma", s.init_noise_sigma}}
                   .dump()
            << "\n";
  return 0;
}
RegisterEvalComponent reg{"schedule", eval_schedule};
}  // namespace
}  // namespace ripen::cli
