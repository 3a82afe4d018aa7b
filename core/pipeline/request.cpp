#include "pipeline/request.h"

#include <stdexcept>

#include "pipeline/name_table.h"
#include "tensors/error.h"
#include "tensors/json_file.h"

namespace ripen {
namespace {
constexpr std::pair<Preset, const char*> kPresets[] = {
    {Preset::Fast, "fast"}, {Preset::Quality, "quality"}, {Preset::Lightning, "lightning"}, {Preset::Draft, "draft"},
    {Preset::Custom, "custom"}};
constexpr std::pair<PromoteMode, const char*> kPromote[] = {{PromoteMode::None, "none"},
                                                             {PromoteMode::Continue, "continue"},
                                                             {PromoteMode::Rerender, "rerender"},
                                                             {PromoteMode::Polish, "polish"},
                                                             {PromoteMode::Polish, "refine"}};  // older files
constexpr std::pair<HiresUpscale, const char*> kUpscale[] = {{HiresUpscale::Image, "image"},
                                                               {HiresUpscale::Latent, "latent"}};
}  // namespace

std::string to_string(Preset p) { return to_table(p, kPresets); }
std::string to_string(PromoteMode m) { return to_table(m, kPromote); }
std::string to_string(HiresUpscale u) { return to_table(u, kUpscale); }
Preset preset_from_string(const std::string& s) { return from_table(s, kPresets, "preset"); }
PromoteMode promote_mode_from_string(const std::string& s) { return from_table(s, kPromote, "promote mode"); }
HiresUpscale hires_upscale_from_string(const std::string& s) { return from_table(s, kUpscale, "hires upscale"); }

nlohmann::json NetworkRef::to_json() const {
  return {{"name", name}, {"path", path}, {"te", te}, {"unet", unet}, {"hash", hash}};
}

NetworkRef NetworkRef::from_json(const nlohmann::json& j) {
  NetworkRef n;
  n.name = j.value("name", "");
  n.path = j.value("path", "");
  n.te = j.value("te", 1.0);
  n.unet = j.value("unet", 1.0);
  n.hash = j.value("hash", "");
  return n;
}

nlohmann::json GenerationRequest::to_json() const {
  nlohmann::json j = {
      {"model", model},     {"prompt", prompt},     {"negative_prompt", negative_prompt},
      {"seed", seed},       {"batch", batch},       {"width", width},
      {"height", height},   {"preset", to_string(preset)}, {"sampler", sampler},
      {"schedule", schedule}, {"steps", steps},     {"cfg", cfg},
      {"cfg_schedule", cfg_schedule}, {"clip_skip", clip_skip}, {"noise", to_string(noise)},
      {"eta", eta},         {"s_noise", s_noise},   {"solver_type", solver_type},
      {"adaptive", adaptive}, {"model_preset", model_preset},
      {"hires", hires}, {"hires_strength", hires_strength}, {"promote", to_string(promote)},
      {"polish_sigma", polish_sigma}, {"polish_strength", polish_strength}, {"hires_steps", hires_steps},
      {"hires_upscale", to_string(hires_upscale)},
  };
  if (!unet.empty()) j["unet"] = unet;
  if (!vae.empty()) j["vae"] = vae;
  if (!networks.empty()) {
    j["networks"] = nlohmann::json::array();
    for (const auto& n : networks) j["networks"].push_back(n.to_json());
  }
  if (image) j["image"] = image->to_json();
  j["parent_id"] = parent_id ? nlohmann::json(*parent_id) : nlohmann::json(nullptr);
  return j;
}

// Before the hires pass and the polish mode had their own words, both were "refine"; polish took its strength
// from the hires one.
constexpr RenamedKey kRequestRenames[] = {{"refine_2x", "hires"},           {"refine_strength", "hires_strength"},
                                          {"refine_steps", "hires_steps"},   {"refine_upscale", "hires_upscale"},
                                          {"refine_sigma", "polish_sigma"},  {"refine_strength", "polish_strength"}};
constexpr RenamedKey kRecordRenames[] = {{"refined_2x", "hires"},
                                         {"refine_steps", "hires_steps"},
                                         {"refine_sigma", "hires_sigma"},
                                         {"seconds_refine", "seconds_hires"}};

GenerationRequest GenerationRequest::from_json(const nlohmann::json& in) {
  GenerationRequest r;
  const nlohmann::json j = with_current_keys(in, kRequestRenames);
  try {
    auto get = [&](const char* k, auto& field) {
      if (j.contains(k) && !j.at(k).is_null()) field = j.at(k).get<std::decay_t<decltype(field)>>();
    };
    get("model", r.model);
    get("unet", r.unet);
    get("vae", r.vae);
    get("prompt", r.prompt);
    get("negative_prompt", r.negative_prompt);
    get("seed", r.seed);
    get("batch", r.batch);
    get("width", r.width);
    get("height", r.height);
    get("sampler", r.sampler);
    get("schedule", r.schedule);
    get("steps", r.steps);
    get("cfg", r.cfg);
    get("cfg_schedule", r.cfg_schedule);
    get("clip_skip", r.clip_skip);
    get("eta", r.eta);
    get("s_noise", r.s_noise);
    get("solver_type", r.solver_type);
    get("adaptive", r.adaptive);
    get("model_preset", r.model_preset);
    get("hires", r.hires);
    get("hires_strength", r.hires_strength);
    get("polish_sigma", r.polish_sigma);
    get("polish_strength", r.polish_strength);
    get("hires_steps", r.hires_steps);
    if (j.contains("hires_upscale") && !j.at("hires_upscale").is_null())
      r.hires_upscale = hires_upscale_from_string(j.at("hires_upscale").get<std::string>());
    if (j.contains("preset")) r.preset = preset_from_string(j.at("preset").get<std::string>());
    if (j.contains("noise")) r.noise = sampling::noise_source_from_string(j.at("noise").get<std::string>());
    if (j.contains("promote")) r.promote = promote_mode_from_string(j.at("promote").get<std::string>());
    if (j.contains("parent_id") && !j.at("parent_id").is_null()) r.parent_id = j.at("parent_id").get<int64_t>();
    if (j.contains("networks"))
      for (const auto& n : j.at("networks")) r.networks.push_back(NetworkRef::from_json(n));
    if (j.contains("image") && !j.at("image").is_null()) r.image = ImageInput::from_json(j.at("image"));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("generation request JSON: ") + e.what());
  }
  return r;
}

nlohmann::json GenerationRecord::to_json() const {
  nlohmann::json j = {{"steps_used", steps_used},       {"steps_planned", steps_planned}, {"unet_evals", unet_evals},
          {"stop_reason", stop_reason},     {"model_name", model_name},       {"model_hash", model_hash},
          {"seconds_total", seconds_total}, {"seconds_text", seconds_text},   {"seconds_sampling", seconds_sampling},
          {"seconds_decode", seconds_decode}, {"hires", hires},       {"hires_steps", hires_steps},
          {"hires_sigma", hires_sigma},   {"seconds_upscale", seconds_upscale}, {"seconds_hires", seconds_hires}};
  if (plan) j["plan"] = plan->to_json();
  if (!networks.empty()) {
    j["networks"] = nlohmann::json::array();
    for (const auto& n : networks) j["networks"].push_back(n.to_json());
  }
  return j;
}

GenerationRecord GenerationRecord::from_json(const nlohmann::json& in) {
  GenerationRecord r;
  const nlohmann::json j = with_current_keys(in, kRecordRenames);
  try {
    r.steps_used = j.value("steps_used", 0);
    r.steps_planned = j.value("steps_planned", 0);
    r.unet_evals = j.value("unet_evals", 0);
    r.stop_reason = j.value("stop_reason", "");
    r.model_name = j.value("model_name", "");
    r.model_hash = j.value("model_hash", "");
    r.seconds_total = j.value("seconds_total", 0.0);
    r.seconds_text = j.value("seconds_text", 0.0);
    r.seconds_sampling = j.value("seconds_sampling", 0.0);
    r.seconds_decode = j.value("seconds_decode", 0.0);
    r.hires = j.value("hires", false);
    r.hires_steps = j.value("hires_steps", 0);
    r.hires_sigma = j.value("hires_sigma", 0.0);
    r.seconds_upscale = j.value("seconds_upscale", 0.0);
    r.seconds_hires = j.value("seconds_hires", 0.0);
    if (j.contains("plan") && !j.at("plan").is_null()) r.plan = SamplingPlan::from_json(j.at("plan"));
    if (j.contains("networks"))
      for (const auto& n : j.at("networks")) r.networks.push_back(NetworkRef::from_json(n));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("generation record JSON: ") + e.what());
  }
  return r;
}

}  // namespace ripen
