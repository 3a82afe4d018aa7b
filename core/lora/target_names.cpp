#include "lora/target_names.h"

#include <set>

#include "models/key_table.h"

namespace ripen::lora {
namespace {

std::string underscored(std::string s) {
  for (char& c : s)
    if (c == '.') c = '_';
  return s;
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// peft's own save_pretrained (no diffusers conversion) names a module by its path in the wrapped model. Such a file
// holds one model's adapter, so a text-encoder path is taken as the first text encoder's (SDXL's second one has
// the same paths and cannot be told apart).
const char* const kRawPeft = "base_model.model.";

// The older diffusers attention-processor names: <attn>.processor.to_q_lora for <attn>.to_q (to_out.0: to_out_lora).
std::string processor_name(const std::string& path) {
  static const std::vector<std::pair<std::string, std::string>> table = {
      {".to_q", "to_q_lora"}, {".to_k", "to_k_lora"}, {".to_v", "to_v_lora"}, {".to_out.0", "to_out_lora"}};
  for (const auto& [tail, name] : table)
    if (path.size() > tail.size() && path.compare(path.size() - tail.size(), tail.size(), tail) == 0)
      return path.substr(0, path.size() - tail.size()) + ".processor." + name;
  return "";
}

// The same for the text encoders' attention (older diffusers): <layer>.self_attn.to_q_lora for self_attn.q_proj.
std::string text_processor_name(const std::string& path) {
  static const std::vector<std::pair<std::string, std::string>> table = {
      {".q_proj", "to_q_lora"}, {".k_proj", "to_k_lora"}, {".v_proj", "to_v_lora"}, {".out_proj", "to_out_lora"}};
  for (const auto& [tail, name] : table)
    if (path.size() > tail.size() && path.compare(path.size() - tail.size(), tail.size(), tail) == 0)
      return path.substr(0, path.size() - tail.size()) + "." + name;
  return "";
}

// The LDM/sgm path of a UNet weight's module ("" when the key table has none).
std::string ldm_path(const models::KeyTable& table, const std::string& key) {
  auto mapped = table.to_ldm("unet", key);
  if (!mapped || mapped->key.size() <= 7) return "";
  return mapped->key.substr(0, mapped->key.size() - 7);  // drop ".weight"
}

}  // namespace

std::string component_of(const std::string& name) {
  static const std::vector<std::pair<std::string, std::string>> prefixes = {
      {"lora_unet_", "unet"},         {"lora_te1_", "text_encoder"},          {"lora_te2_", "text_encoder_2"},
      {"lora_te_", "text_encoder"},   {"unet.", "unet"},                     {"text_encoder_2.", "text_encoder_2"},
      {"text_encoder.", "text_encoder"}, {"down_blocks.", "unet"},           {"mid_block.", "unet"},
      {"up_blocks.", "unet"},         {kRawPeft + std::string("text_model."), "text_encoder"},
      {kRawPeft, "unet"}};
  for (const auto& [p, c] : prefixes)
    if (starts_with(name, p)) return c;
  return "";
}

TargetNames TargetNames::of(const models::LoadedModel& model) {
  TargetNames out;
  auto add = [&](const std::string& name, const std::string& component, const std::string& key) {
    out.names_.emplace(name, Target{component, key});
  };
  for (const auto& [component, weights] : model.weights) {
    models::KeyTable table;
    if (component == "unet") {
      std::set<std::string> keys;
      for (const auto& [k, t] : weights) keys.insert(k);
      table.add_unet(models::UNetTopology::from_diffusers_keys(keys), "");
    }
    for (const auto& [key, t] : weights) {
      if ((t.dim() != 2 && t.dim() != 4) || key.size() <= 7 || key.compare(key.size() - 7, 7, ".weight") != 0) continue;
      const std::string path = key.substr(0, key.size() - 7);
      if (component == "unet") {
        add("lora_unet_" + underscored(path), component, key);
        if (std::string ldm = ldm_path(table, key); !ldm.empty()) add("lora_unet_" + underscored(ldm), component, key);
        for (const std::string& p : {std::string("unet."), std::string()}) {
          add(p + path, component, key);
          add(p + path + ".lora", component, key);
          if (std::string proc = processor_name(path); !proc.empty()) add(p + proc, component, key);
        }
        add(kRawPeft + path, component, key);
      } else {
        const bool first = component == "text_encoder";
        for (const char* p : first ? std::vector<const char*>{"lora_te_", "lora_te1_"} : std::vector<const char*>{"lora_te2_"})
          add(p + underscored(path), component, key);
        add(component + "." + path, component, key);
        add(component + "." + path + ".lora_linear_layer", component, key);
        if (first) add(kRawPeft + path, component, key);
        if (std::string proc = text_processor_name(path); !proc.empty()) add(component + "." + proc, component, key);
      }
    }
  }
  return out;
}

const Target* TargetNames::find(const std::string& name) const {
  auto it = names_.find(name);
  return it == names_.end() ? nullptr : &it->second;
}

}  // namespace ripen::lora
