#include "lora/network_info.h"

#include <filesystem>
#include <set>

#include "lora/network_file.h"
#include "lora/target_names.h"
#include "tensors/safetensors.h"

namespace ripen::lora {
namespace {

bool ends_with(const std::string& s, const std::string& t) {
  return s.size() > t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

// The cross-attention width a UNet attn2 to_k patch reads (SD1 768, SD2 1024, SDXL 2048), else the architecture
// the file's metadata names, else text_encoder_2 modules meaning SDXL.
std::pair<std::string, std::string> architecture(const NetworkFile& f, const std::set<std::string>& components) {
  for (const char* k : {"ss_base_model_version", "modelspec.architecture"})
    if (auto it = f.metadata.find(k); it != f.metadata.end() && !it->second.empty()) {
      const std::string& v = it->second;
      const std::string arch = v.find("xl") != std::string::npos ? "sdxl"
                               : v.find("v2") != std::string::npos || v.find("2.") != std::string::npos ? "sd2"
                               : v.find("v1") != std::string::npos || v.find("1.") != std::string::npos ? "sd1"
                                                                                                          : v;
      return {arch, std::string("metadata ") + k};
    }
  for (const Module& m : f.modules) {
    if (m.kind != Kind::LoRA || !(ends_with(m.name, "attn2_to_k") || ends_with(m.name, "attn2.to_k"))) continue;
    switch (m.part("down")->size(1)) {
      case 768: return {"sd1", "cross-attention width 768"};
      case 1024: return {"sd2", "cross-attention width 1024"};
      case 2048: return {"sdxl", "cross-attention width 2048"};
      default: return {"other", "cross-attention width " + std::to_string(m.part("down")->size(1))};
    }
  }
  if (components.count("text_encoder_2")) return {"sdxl", "text_encoder_2 modules"};
  return {"unknown", "no attn2 to_k module and no metadata"};
}

}  // namespace

bool looks_like_network(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  try {
    auto st = SafeTensors::open(path);
    for (const auto& t : st.tensors())
      for (const char* s : {".lora_down.weight", ".lora_A.weight", "_lora.down.weight", ".hada_w1_a", ".lokr_w1",
                            ".lokr_w1_a", ".lora.down.weight"})
        if (ends_with(t.name, s)) return true;
  } catch (const std::exception&) {
  }
  return false;
}

nlohmann::json describe_network(const std::string& path) {
  const NetworkFile f = read_network_file(path);
  nlohmann::json kinds = nlohmann::json::object(), comps = nlohmann::json::object(), ranks = nlohmann::json::object();
  std::set<double> alphas;
  std::set<std::string> components;
  int64_t no_alpha = 0;
  for (const Module& m : f.modules) {
    kinds[kind_name(m.kind)] = kinds.value(kind_name(m.kind), 0) + 1;
    std::string c = component_of(m.name);
    if (c.empty()) c = "unknown";
    components.insert(c);
    comps[c] = comps.value(c, 0) + 1;
    const std::string r = std::to_string(m.rank);
    ranks[r] = ranks.value(r, 0) + 1;
    if (m.alpha)
      alphas.insert(*m.alpha);
    else
      ++no_alpha;
  }
  const auto [arch, source] = architecture(f, components);
  nlohmann::json meta = nlohmann::json::object();
  for (const auto& [k, v] : f.metadata) meta[k] = v;
  return {{"kind", "lora"},
          {"path", path},
          {"format", f.format},
          {"architecture", arch},
          {"architecture_source", source},
          {"modules", f.modules.size()},
          {"kinds", kinds},
          {"components", comps},
          {"ranks", ranks},
          {"alphas", std::vector<double>(alphas.begin(), alphas.end())},
          {"modules_without_alpha", no_alpha},
          {"bundled_embedding_tensors", f.ignored_tensors},
          {"metadata", meta}};
}

}  // namespace ripen::lora
