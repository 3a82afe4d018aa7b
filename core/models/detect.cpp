#include "models/detect.h"

#include <filesystem>

#include "models/source.h"
#include "models/validate.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

namespace fs = std::filesystem;

namespace ripen::models {

std::string arch_name(Arch a) {
  switch (a) {
    case Arch::SD1: return "sd1";
    case Arch::SD2: return "sd2";
    case Arch::SDXL: return "sdxl";
  }
  return "?";
}

Detection detect_architecture(const std::string& path, std::optional<Prediction> prediction_override) {
  LoadOptions o;
  o.prediction = prediction_override;
  return open_model_source(path, o).detection;
}

std::string model_name(const std::string& path) {
  fs::path p(path);
  while (!p.empty() && p.filename().empty()) p = p.parent_path();  // trailing slash
  return fs::is_directory(p) ? p.filename().string() : p.stem().string();
}

ModelInfo inspect_model(const std::string& path, const LoadOptions& options) {
  ModelSource src = open_model_source(path, options);
  validate_model_source(src);
  ModelInfo info;
  info.detection = src.detection;
  info.name = model_name(path);
  info.scheduler = src.scheduler;
  info.ignored_keys = src.ignored_keys;
  info.component_files = src.component_files;
  for (const auto& [name, comp] : src.components) {
    ComponentInfo c;
    c.name = name;
    c.source = comp.origin;
    for (const auto& [k, t] : comp.tensors) {
      c.parameters += t.numel();
      c.bytes += t.numel() * static_cast<int64_t>(t.element_size());
      c.dtypes[safetensors_dtype_name(t.scalar_type())] += 1;
      c.tensors += 1;
    }
    info.components.push_back(c);
  }
  for (const auto& [name, tok] : src.tokenizers) {
    ComponentInfo c;
    c.name = name;
    c.source = tok.dir.empty() ? "bundled CLIP vocabulary (resources/clip)" : tok.dir;
    info.components.push_back(c);
  }
  info.configs.clear();
  for (const auto& [name, comp] : src.components) info.configs[name] = comp.config;
  return info;
}

int64_t native_image_size(const std::map<std::string, nlohmann::json>& configs) {
  auto unet = configs.find("unet"), vae = configs.find("vae");
  if (unet == configs.end() || vae == configs.end()) return 0;
  const nlohmann::json& sample = unet->second.value("sample_size", nlohmann::json());
  const nlohmann::json& levels = vae->second.value("block_out_channels", nlohmann::json());
  if (!sample.is_number_integer() || !levels.is_array() || levels.empty()) return 0;
  return sample.get<int64_t>() << (levels.size() - 1);
}

nlohmann::json ModelInfo::to_json() const {
  nlohmann::json j;
  j["name"] = name;
  j["path"] = detection.path;
  j["layout"] = detection.layout == Layout::DiffusersFolder ? "diffusers" : "single_file";
  j["architecture"] = arch_name(detection.arch);
  j["prediction_type"] = prediction_name(detection.prediction);
  j["prediction_source"] = detection.prediction_source;
  if (detection.yaml) j["yaml"] = *detection.yaml;
  j["scheduler"] = {{"beta_start", scheduler.beta_start},       {"beta_end", scheduler.beta_end},
                    {"beta_schedule", scheduler.beta_schedule}, {"num_train_timesteps", scheduler.num_train_timesteps},
                    {"timestep_spacing", scheduler.timestep_spacing}, {"steps_offset", scheduler.steps_offset}};
  int64_t total = 0;
  for (const auto& c : components) {
    nlohmann::json cj = {{"source", c.source}};
    if (c.tensors) {
      cj["parameters"] = c.parameters;
      cj["bytes"] = c.bytes;
      cj["tensors"] = c.tensors;
      cj["dtypes"] = c.dtypes;
      total += c.parameters;
    }
    if (auto it = configs.find(c.name); it != configs.end()) cj["config"] = it->second;
    j["components"][c.name] = cj;
  }
  j["parameters"] = total;
  if (!ignored_keys.empty()) j["ignored_keys"] = ignored_keys.size();
  if (!component_files.empty()) j["component_files"] = component_files;
  return j;
}

}  // namespace ripen::models
