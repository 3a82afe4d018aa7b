#include "imageio/comfyui_import.h"

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

namespace ripen::imageio {
namespace {
using nlohmann::json;

// A string field of a node, "" when absent or not a string (graphs come from strangers: json::value would throw).
std::string text_field(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

bool is_sampler(const std::string& t) { return t == "KSampler" || t == "KSamplerAdvanced"; }
bool is_zero_out(const std::string& t) { return t == "ConditioningZeroOut"; }

// "[\"4\", 0]" -> "4"; "" when the value is not a link.
std::string link_id(const json& link) {
  if (!link.is_array() || link.empty()) return "";
  return link[0].is_string() ? link[0].get<std::string>() : link[0].dump();
}

std::string scheduler_to_schedule(const std::string& s) {
  if (s == "karras" || s == "exponential" || s == "sgm_uniform" || s == "simple" || s == "beta" ||
      s == "polyexponential" || s == "kl_optimal")
    return s;
  return "discrete";  // ComfyUI's "normal": evenly spaced timesteps of the model's own schedule
}

void fill_sampler(GenerationRequest& r, const std::string& sampler, const std::string& scheduler) {
  r.sampler = sampler;
  r.schedule = scheduler_to_schedule(scheduler);
  // ComfyUI's sampler list has "_gpu"/"_cfg_pp" variants; the k-diffusion base name is what we can run.
  for (const char* sfx : {"_gpu", "_cfg_pp"}) {
    std::string s = sfx;
    if (r.sampler.size() > s.size() && r.sampler.compare(r.sampler.size() - s.size(), s.size(), s) == 0)
      r.sampler.resize(r.sampler.size() - s.size());
  }
}

template <typename T>
void get_num(const json& j, T& out) {
  if (j.is_number()) out = j.get<T>();
}

bool is_lora_loader(const std::string& t) { return t == "LoraLoader" || t == "LoraLoaderModelOnly"; }

// ComfyUI's LoraLoader: strength_model -> the UNet, strength_clip -> the text encoder (LoraLoaderModelOnly: none).
// lora_name is relative to a loras folder ("styles\\ink.safetensors" on Windows); the network is known by its stem,
// as A1111 knows it, and found in Ripen's LoRA folders by that name.
NetworkRef comfy_network(const std::string& lora_name, const json& strength_model, const json& strength_clip) {
  std::string rel = lora_name;
  for (char& c : rel)
    if (c == '\\') c = '/';
  NetworkRef n;
  n.name = std::filesystem::path(rel).stem().string();
  get_num(strength_model, n.unet);
  get_num(strength_clip, n.te);
  return n;
}

// The first sampling stage: a sampler whose latent does not come from another sampler. The others (an SDXL
// refiner continuing the base's latent) are returned in `later`.
const json* first_stage(const json& g, std::vector<std::string>& later) {
  const json* first = nullptr;
  for (auto it = g.begin(); it != g.end(); ++it) {
    if (!is_sampler(text_field(*it, "class_type")) || !it->contains("inputs") || !(*it)["inputs"].is_object()) continue;
    const json& in = (*it)["inputs"];
    const std::string from = in.contains("latent_image") ? link_id(in["latent_image"]) : "";
    const bool continues = !from.empty() && g.contains(from) && is_sampler(text_field(g[from], "class_type"));
    if (continues || first)
      later.push_back(it.key());
    else
      first = &*it;
  }
  return first;
}

std::string stage_note(const json& g, const std::string& id) {
  const json& in = g[id]["inputs"];
  std::string note = "node " + id + " (" + text_field(g[id], "class_type") + ") is a further sampling stage";
  if (in.contains("start_at_step") && in["start_at_step"].is_number())
    note += " from step " + in["start_at_step"].dump();
  const std::string model = in.contains("model") ? link_id(in["model"]) : "";
  const std::string ckpt =
      !model.empty() && g.contains(model) && g[model].is_object() && g[model].contains("inputs")
          ? text_field(g[model]["inputs"], "ckpt_name")
          : "";
  if (!ckpt.empty()) note += " with " + ckpt;
  return note + " (a refiner): not imported, only the first stage is";
}

std::optional<ComfyUIParameters> from_prompt(const json& g) {
  if (!g.is_object()) return std::nullopt;
  std::vector<std::string> later;
  const json* ks = first_stage(g, later);
  if (!ks) return std::nullopt;
  const json& in = (*ks)["inputs"];
  ComfyUIParameters out;
  for (const std::string& id : later) out.notes.push_back(stage_note(g, id));
  GenerationRequest& r = out.request;
  r.preset = Preset::Custom;
  r.noise = NoiseSource::Cpu;  // ComfyUI's default noise is torch.randn on the CPU
  if (in.contains("seed")) get_num(in["seed"], r.seed);
  if (in.contains("noise_seed")) get_num(in["noise_seed"], r.seed);
  if (in.contains("steps")) get_num(in["steps"], r.steps);
  if (in.contains("cfg")) get_num(in["cfg"], r.cfg);
  const std::string sampler = text_field(in, "sampler_name"), scheduler = text_field(in, "scheduler");
  fill_sampler(r, sampler.empty() ? r.sampler : sampler, scheduler.empty() ? "normal" : scheduler);

  // Follows a link back to the first node that carries the wanted input (through reroutes, conditioning
  // combiners and the like). A ConditioningZeroOut ends the search: what lies behind it is not conditioning.
  bool zero_hit = false;
  std::function<const json*(const json&, const char*, int)> find_input = [&](const json& link, const char* key,
                                                                           int depth) -> const json* {
    const std::string id = link_id(link);
    if (depth > 16 || id.empty() || !g.contains(id)) return nullptr;
    const json& node = g[id];
    if (!node.is_object() || !node.contains("inputs") || !node["inputs"].is_object()) return nullptr;
    if (is_zero_out(text_field(node, "class_type"))) {
      zero_hit = true;
      return nullptr;
    }
    const json& nin = node["inputs"];
    if (nin.contains(key) && !nin[key].is_array()) return &nin[key];
    for (auto it = nin.begin(); it != nin.end(); ++it)
      if (auto f = find_input(*it, key, depth + 1)) return f;
    return nullptr;
  };
  auto text_of = [&](const char* which, bool& zeroed) -> std::string {
    if (!in.contains(which)) return "";
    zero_hit = false;
    const json* t = find_input(in[which], "text", 0);
    zeroed = !t && zero_hit;
    return t && t->is_string() ? t->get<std::string>() : "";
  };
  r.prompt = text_of("positive", out.prompt_zeroed);
  r.negative_prompt = text_of("negative", out.negative_zeroed);
  if (in.contains("latent_image")) {
    if (auto w = find_input(in["latent_image"], "width", 0)) get_num(*w, r.width);
    if (auto h = find_input(in["latent_image"], "height", 0)) get_num(*h, r.height);
  }
  // LoRA loaders on the model path, sampler side first: each one's "model" input leads towards the checkpoint.
  if (in.contains("model")) {
    std::vector<NetworkRef> chain;
    const json* link = &in["model"];
    for (int depth = 0; depth < 64 && link->is_array() && !link->empty(); ++depth) {
      const std::string id = link_id(*link);
      if (!g.contains(id) || !g[id].is_object() || !g[id].contains("inputs") || !g[id]["inputs"].is_object()) break;
      const json& node = g[id];
      const json& nin = node["inputs"];
      const std::string type = text_field(node, "class_type");
      if (is_lora_loader(type) && nin.contains("lora_name") && nin["lora_name"].is_string()) {
        const json none;
        chain.push_back(comfy_network(nin["lora_name"].get<std::string>(), nin.value("strength_model", none),
                                      type == "LoraLoaderModelOnly" ? json(0.0) : nin.value("strength_clip", none)));
      }
      if (!nin.contains("model")) break;
      link = &nin["model"];
    }
    r.networks.assign(chain.rbegin(), chain.rend());
  }
  if (in.contains("model"))
    if (auto c = find_input(in["model"], "ckpt_name", 0); c && c->is_string()) {
      r.model = c->get<std::string>();
      out.record.model_name = std::filesystem::path(r.model).stem().string();
    }
  return out;
}

std::optional<ComfyUIParameters> from_workflow(const json& w) {
  if (!w.is_object() || !w.contains("nodes") || !w["nodes"].is_array()) return std::nullopt;
  std::map<long long, const json*> nodes;
  for (const json& n : w["nodes"])
    if (n.contains("id") && n["id"].is_number()) nodes[n["id"].get<long long>()] = &n;
  std::map<long long, long long> link_from;  // link id -> source node id
  if (w.contains("links") && w["links"].is_array())
    for (const json& l : w["links"])
      if (l.is_array() && l.size() >= 2 && l[0].is_number() && l[1].is_number())
        link_from[l[0].get<long long>()] = l[1].get<long long>();
  const json* ks = nullptr;
  for (auto& [id, n] : nodes)
    if (is_sampler(text_field(*n, "type"))) {
      ks = n;
      break;
    }
  if (!ks) return std::nullopt;
  ComfyUIParameters out;
  GenerationRequest& r = out.request;
  r.preset = Preset::Custom;
  r.noise = NoiseSource::Cpu;
  const json wv = ks->value("widgets_values", json::array());
  // KSampler: [seed, control_after_generate, steps, cfg, sampler, scheduler, denoise];
  // KSamplerAdvanced: [add_noise, seed, control, steps, cfg, sampler, scheduler, start, end, return_noise].
  size_t o = text_field(*ks, "type") == "KSamplerAdvanced" ? 1 : 0;
  if (wv.size() >= o + 6) {
    get_num(wv[o + 0], r.seed);
    get_num(wv[o + 2], r.steps);
    get_num(wv[o + 3], r.cfg);
    if (wv[o + 4].is_string() && wv[o + 5].is_string()) fill_sampler(r, wv[o + 4], wv[o + 5]);
  }
  auto source_of = [&](const json& node, const std::string& input) -> const json* {
    for (const json& i : node.value("inputs", json::array()))
      if (text_field(i, "name") == input && i.contains("link") && i["link"].is_number()) {
        auto l = link_from.find(i["link"].get<long long>());
        if (l == link_from.end()) return nullptr;
        auto n = nodes.find(l->second);
        return n == nodes.end() ? nullptr : n->second;
      }
    return nullptr;
  };
  auto text_of = [&](const std::string& input, bool& zeroed) -> std::string {
    const json* n = source_of(*ks, input);
    for (int depth = 0; n && depth < 16; ++depth) {
      if (is_zero_out(text_field(*n, "type"))) {
        zeroed = true;
        return "";
      }
      if (text_field(*n, "type").find("CLIPTextEncode") != std::string::npos) {
        const json v = n->value("widgets_values", json::array());
        return !v.empty() && v[0].is_string() ? v[0].get<std::string>() : "";
      }
      const json ins = n->value("inputs", json::array());
      const json* next = nullptr;
      for (const json& i : ins)
        if ((next = source_of(*n, text_field(i, "name")))) break;
      n = next;
    }
    return "";
  };
  r.prompt = text_of("positive", out.prompt_zeroed);
  r.negative_prompt = text_of("negative", out.negative_zeroed);
  if (const json* lat = source_of(*ks, "latent_image"); lat && text_field(*lat, "type") == "EmptyLatentImage") {
    const json v = lat->value("widgets_values", json::array());
    if (v.size() >= 2) {
      get_num(v[0], r.width);
      get_num(v[1], r.height);
    }
  }
  std::vector<NetworkRef> chain;
  const json* m = source_of(*ks, "model");
  for (int depth = 0; m && depth < 64 && is_lora_loader(text_field(*m, "type")); ++depth) {
    const json v = m->value("widgets_values", json::array());
    const bool model_only = text_field(*m, "type") == "LoraLoaderModelOnly";
    if (!v.empty() && v[0].is_string())
      chain.push_back(comfy_network(v[0].get<std::string>(), v.size() > 1 ? v[1] : json(),
                                    model_only ? json(0.0) : v.size() > 2 ? v[2] : json()));
    m = source_of(*m, "model");
  }
  r.networks.assign(chain.rbegin(), chain.rend());
  if (m && text_field(*m, "type").find("CheckpointLoader") != std::string::npos) {
    const json v = m->value("widgets_values", json::array());
    if (!v.empty() && v[0].is_string()) {
      r.model = v[0].get<std::string>();
      out.record.model_name = std::filesystem::path(r.model).stem().string();
    }
  }
  return out;
}
std::optional<ComfyUIParameters> with_zeroed_notes(std::optional<ComfyUIParameters> p) {
  if (p && p->prompt_zeroed) p->notes.push_back("positive: ConditioningZeroOut (zeroed conditioning), imported empty");
  if (p && p->negative_zeroed) p->notes.push_back("negative: ConditioningZeroOut (zeroed conditioning), imported empty");
  return p;
}
}  // namespace

std::optional<ComfyUIParameters> parse_comfyui(const std::string& prompt_json, const std::string& workflow_json) {
  if (!prompt_json.empty()) {
    json g = json::parse(prompt_json, nullptr, false);
    if (!g.is_discarded())
      if (auto p = from_prompt(g)) return with_zeroed_notes(std::move(p));
  }
  if (!workflow_json.empty()) {
    json w = json::parse(workflow_json, nullptr, false);
    if (!w.is_discarded()) return with_zeroed_notes(from_workflow(w));
  }
  return std::nullopt;
}

}  // namespace ripen::imageio
