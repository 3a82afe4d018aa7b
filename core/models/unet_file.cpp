#include "models/unet_file.h"

#include <filesystem>
#include <set>

#include "models/ldm_shapes.h"
#include "models/source.h"
#include "nets/autoencoder_kl.h"
#include "tensors/error.h"
#include "tensors/json_file.h"
#include "tensors/safetensors.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace ripen::models {
namespace {

const std::string kUNetPrefix = "model.diffusion_model.", kVaePrefix = "first_stage_model.";

bool any_prefix(const std::set<std::string>& keys, const std::string& p) {
  auto it = keys.lower_bound(p);
  return it != keys.end() && it->starts_with(p);
}

// The config fields that the weights' shapes determine; every other field comes from the base's config.
const char* kUNetShapeFields[] = {"in_channels", "out_channels", "block_out_channels", "layers_per_block",
                                  "down_block_types", "up_block_types", "mid_block_type", "transformer_layers_per_block",
                                  "reverse_transformer_layers_per_block", "cross_attention_dim", "use_linear_projection",
                                  "time_embedding_dim", "addition_embed_type", "addition_time_embed_dim",
                                  "projection_class_embeddings_input_dim"};
const char* kVaeShapeFields[] = {"in_channels", "out_channels", "latent_channels", "block_out_channels", "layers_per_block",
                                 "mid_block_add_attention", "use_quant_conv", "use_post_quant_conv"};

// A lone component file: its tensors under diffusers names, and its shapes under LDM names (config derivation).
struct OpenedFile {
  std::string path, component, layout;
  ComponentSource source;
  Shapes ldm;
  std::set<std::string> ldm_keys;
  json folder_config;  // a diffusers folder's config.json (else null)
};

std::string top_level_names(const std::set<std::string>& keys) {
  std::set<std::string> tops;
  for (const auto& k : keys) tops.insert(k.substr(0, k.find('.')));
  std::string list;
  for (const auto& t : tops) list += (list.empty() ? "" : ", ") + t;
  return list;
}

// Which component and layout the keys are, or nullopt. `prefix` receives the LDM prefix the file uses.
std::optional<std::pair<std::string, std::string>> classify(const std::set<std::string>& keys, std::string& prefix) {
  const bool full = any_prefix(keys, "cond_stage_model.") || any_prefix(keys, "conditioner.") ||
                    (any_prefix(keys, kUNetPrefix) && any_prefix(keys, kVaePrefix));
  if (full) return std::nullopt;
  prefix.clear();
  if (any_prefix(keys, kUNetPrefix)) return prefix = kUNetPrefix, std::pair{std::string("unet"), std::string("ldm")};
  if (any_prefix(keys, kVaePrefix)) return prefix = kVaePrefix, std::pair{std::string("vae"), std::string("ldm")};
  if (keys.count("input_blocks.0.0.weight") && keys.count("time_embed.0.weight")) return std::pair{std::string("unet"), std::string("ldm, no prefix")};
  if (keys.count("conv_in.weight") && any_prefix(keys, "down_blocks.") && keys.count("time_embedding.linear_1.weight"))
    return std::pair{std::string("unet"), std::string("diffusers")};
  if (any_prefix(keys, "encoder.down.") && any_prefix(keys, "decoder.up.")) return std::pair{std::string("vae"), std::string("ldm, no prefix")};
  if (any_prefix(keys, "encoder.down_blocks.") && any_prefix(keys, "decoder.up_blocks."))
    return std::pair{std::string("vae"), std::string("diffusers")};
  return std::nullopt;
}

// LDM names -> diffusers tensors; unmapped keys stay under their name so the model check reports them unexpected.
void from_ldm(OpenedFile& f, const SafeTensors& st, const std::set<std::string>& keys, const std::string& prefix) {
  const std::string& P = f.component == "unet" ? kUNetPrefix : kVaePrefix;
  for (const auto& k : keys) {
    const std::string ldm = P + k.substr(prefix.size());
    f.ldm.shapes[ldm] = st.info(k).shape;
    f.ldm_keys.insert(ldm);
  }
  KeyTable table;
  if (f.component == "unet") table.add_unet(UNetTopology::from_ldm_keys(f.ldm_keys));
  else table.add_vae(VaeTopology::from_ldm_keys(f.ldm_keys));
  for (const auto& k : keys) {
    auto mapped = table.to_diffusers(P + k.substr(prefix.size()));
    if (mapped.empty()) f.source.tensors.emplace(k, st.tensor(k));
    for (const auto& m : mapped) f.source.tensors[m.key] = st.tensor(k);
  }
}

// Diffusers names: the tensors as stored, the shapes renamed to LDM for the config derivation.
void from_diffusers(OpenedFile& f, const std::map<std::string, at::Tensor>& tensors) {
  std::set<std::string> keys;
  for (const auto& [k, t] : tensors) keys.insert(k);
  KeyTable table;
  if (f.component == "unet") table.add_unet(UNetTopology::from_diffusers_keys(keys));
  else table.add_vae(VaeTopology::from_diffusers_keys(keys));
  for (const auto& [k, t] : tensors) {
    f.source.tensors.emplace(k, t);
    if (auto m = table.to_ldm(f.component, k)) {
      f.ldm.shapes[m->key] = t.sizes().vec();
      f.ldm_keys.insert(m->key);
    }
  }
}

std::optional<OpenedFile> open_file(const std::string& path) {
  OpenedFile f;
  f.path = path;
  f.ldm.path = path;
  f.source.origin = path;
  if (fs::is_directory(path)) {  // a diffusers component folder
    if (!fs::is_regular_file(fs::path(path) / "config.json")) return std::nullopt;
    f.folder_config = read_json_file(fs::path(path) / "config.json");
    const std::string cls = f.folder_config.value("_class_name", "");
    if (cls != "UNet2DConditionModel" && cls != "AutoencoderKL") return std::nullopt;
    f.component = cls == "AutoencoderKL" ? "vae" : "unet";
    f.layout = "diffusers folder";
    f.source.files = component_weights(path, "diffusion_pytorch_model");
    f.source.origin.clear();
    std::map<std::string, at::Tensor> tensors;
    for (const auto& file : f.source.files) {
      auto st = SafeTensors::open(file);
      for (const auto& k : st.keys()) {
        const std::string key = f.component == "vae" ? modern_vae_key(k) : k;
        if (!tensors.emplace(key, st.tensor(k)).second) throw Error(file + ": key '" + k + "' appears in two shards");
      }
      f.source.origin += (f.source.origin.empty() ? "" : ", ") + file;
    }
    from_diffusers(f, tensors);
    f.source.config = f.folder_config;
    f.source.config_origin = (fs::path(path) / "config.json").string();
    return f;
  }
  if (!fs::exists(path)) throw Error(path + ": no such file or folder");
  if (fs::path(path).extension() != ".safetensors") return std::nullopt;
  auto st = SafeTensors::open(path);  // a truncated or corrupt file: an error naming it
  std::set<std::string> keys;
  for (const auto& k : st.keys()) keys.insert(k);
  std::string prefix;
  auto kind = classify(keys, prefix);
  if (!kind) return std::nullopt;
  std::tie(f.component, f.layout) = *kind;
  f.source.files = {path};
  if (!prefix.empty()) {
    std::vector<std::string> stray;
    for (const auto& k : keys)
      if (!k.starts_with(prefix) && k != "model.diffusion_model.__version__") stray.push_back(k);
    if (!stray.empty())
      throw Error(path + ": holds a " + f.component + " under '" + prefix + "' and other weights too (e.g. '" + stray.front() +
                  "'); pass a full checkpoint as the model, or a file holding only the " + f.component);
  }
  if (f.layout == "diffusers") {
    std::map<std::string, at::Tensor> tensors;
    for (const auto& k : keys) tensors.emplace(f.component == "vae" ? modern_vae_key(k) : k, st.tensor(k));
    from_diffusers(f, tensors);
  } else {
    from_ldm(f, st, keys, prefix);
  }
  return f;
}

// SD1 and SD2 UNets differ in width only; SDXL has the added-condition embedding.
Arch unet_arch(const OpenedFile& f) {
  if (!f.folder_config.is_null())
    return f.folder_config.value("addition_embed_type", json()) == "text_time" ? Arch::SDXL
           : f.folder_config.value("cross_attention_dim", json()) == 1024     ? Arch::SD2
                                                                               : Arch::SD1;
  if (any_prefix(f.ldm_keys, kUNetPrefix + "label_emb.")) return Arch::SDXL;
  for (const auto& [k, shape] : f.ldm.shapes)
    if (k.ends_with(".attn2.to_k.weight")) return shape.size() == 2 && shape[1] == 1024 ? Arch::SD2 : Arch::SD1;
  return Arch::SD1;
}

// The file's UNet config from its shapes. SDXL's added condition is the pooled text width + 6 time-id embeddings;
// the file alone cannot split its width, so without the base's `pooled` width the split stays open (null).
json derived_unet_config(const OpenedFile& f, Arch arch, int64_t pooled) {
  UNetTopology topo = UNetTopology::from_ldm_keys(f.ldm_keys);
  const bool split_unknown = topo.add_embedding && pooled <= 0;
  if (split_unknown) topo.add_embedding = false;
  json j = unet_config_from_shapes(f.ldm, f.ldm_keys, topo, arch, std::nullopt, pooled).to_json();
  if (split_unknown) {
    j["addition_embed_type"] = "text_time";
    j["projection_class_embeddings_input_dim"] = f.ldm.dim(kUNetPrefix + "label_emb.0.0.weight", 1);
    j["addition_time_embed_dim"] = nullptr;
  }
  return j;
}

json derived_vae_config(const OpenedFile& f) {
  return vae_config_from_shapes(f.ldm, VaeTopology::from_ldm_keys(f.ldm_keys), Arch::SD1, std::nullopt);
}

// The base's config with the shape-determined fields of `own`; heads stay the base's while the levels agree.
json overlay(const json& base, const json& own, const char* const* fields, size_t n) {
  json out = base;
  for (size_t i = 0; i < n; ++i) out[fields[i]] = own.value(fields[i], json());
  if (base.value("block_out_channels", json()) != own.value("block_out_channels", json()) && own.contains("attention_head_dim")) {
    out["attention_head_dim"] = own["attention_head_dim"];
    out.erase("num_attention_heads");
  }
  return out;
}

std::string shape_of(const std::map<std::string, at::Tensor>& tensors, const std::string& key) {
  auto it = tensors.find(key);
  if (it == tensors.end()) return "absent";
  std::string s = "[";
  for (int64_t i = 0; i < it->second.dim(); ++i) s += (i ? ", " : "") + std::to_string(it->second.size(i));
  return s + "]";
}

std::string first_key_ending(const std::map<std::string, at::Tensor>& tensors, const std::string& suffix) {
  for (const auto& [k, t] : tensors)
    if (k.ends_with(suffix)) return k;
  return "";
}

// One difference where the base's other components meet the file: the field, and the keys that show it.
struct Misfit {
  std::string what;
  std::vector<std::string> keys;
};

void refuse_misfits(const std::vector<Misfit>& misfits, const OpenedFile& f, const std::string& file_arch,
                    const ModelSource& base, const ComponentSource& base_comp) {
  if (misfits.empty()) return;
  std::string msg = f.path + " (" + (file_arch.empty() ? "" : "an " + file_arch + " ") + f.component + ", " + f.layout +
                    " names) does not fit the " + f.component + " of " + base.detection.path + " (" +
                    arch_name(base.detection.arch) + "):";
  for (const auto& m : misfits) {
    msg += "\n  " + m.what;
    for (const auto& k : m.keys)
      msg += "\n    '" + k + "': " + shape_of(f.source.tensors, k) + " in " + f.path + ", " + shape_of(base_comp.tensors, k) +
             " in " + base_comp.origin;
  }
  throw Error(msg);
}

void replace_unet(ModelSource& src, OpenedFile f) {
  const auto base_it = src.components.find("unet");
  if (base_it == src.components.end()) throw Error(src.detection.path + ": has no UNet to replace with " + f.path);
  const ComponentSource& base = base_it->second;
  const UNetConfig base_cfg = UNetConfig::from_json(base.config, base.config_origin);
  const Arch arch = unet_arch(f);
  if (f.folder_config.is_null()) {
    const int64_t pooled = base_cfg.projection_class_embeddings_input_dim - 6 * base_cfg.addition_time_embed_dim;
    const json own = derived_unet_config(f, arch, base_cfg.has_text_time() ? pooled : 0);
    f.source.config = overlay(base.config, own, kUNetShapeFields, std::size(kUNetShapeFields));
    f.source.config_origin = f.path + " (UNet config: " + base.config_origin + " with the sizes read off the file's shapes)";
  }
  // Read off the json: a misfit's config may not even parse (an SDXL file on an SD1 base leaves its time-id width open).
  const json& c = f.source.config;
  auto field = [&](const char* k) { return c.value(k, json()).is_number_integer() ? c[k].get<int64_t>() : int64_t{0}; };
  const bool text_time = c.value("addition_embed_type", json()) == "text_time";
  const int64_t in = field("in_channels"), out = field("out_channels"), cross = field("cross_attention_dim");
  const int64_t added = text_time ? field("projection_class_embeddings_input_dim") : 0;
  std::vector<Misfit> misfits;
  auto n = [](int64_t v) { return std::to_string(v); };
  // An inpainting UNet takes the latents, the mask and the masked picture's latents: 2·out + 1 channels in.
  const bool inpainting = in == 2 * base_cfg.out_channels + 1 && base_cfg.in_channels == base_cfg.out_channels;
  if ((in != base_cfg.in_channels && !inpainting) || out != base_cfg.out_channels)
    misfits.push_back({"latent channels in/out " + n(in) + "/" + n(out) + ", the base's " + n(base_cfg.in_channels) + "/" +
                           n(base_cfg.out_channels),
                       {"conv_in.weight", "conv_out.weight"}});
  if (cross != base_cfg.cross_attention_dim) {
    std::vector<std::string> keys = {first_key_ending(f.source.tensors, ".attn2.to_k.weight")};
    if (auto b = first_key_ending(base.tensors, ".attn2.to_k.weight"); b != keys[0]) keys.push_back(b);
    misfits.push_back({"cross-attention width (the text encoders' output) " + n(cross) + ", the base's " +
                           n(base_cfg.cross_attention_dim), keys});
  }
  const int64_t base_added = base_cfg.has_text_time() ? base_cfg.projection_class_embeddings_input_dim : 0;
  if (text_time != base_cfg.has_text_time() || added != base_added)
    misfits.push_back({std::string("added condition (SDXL's pooled text + time ids) ") + (text_time ? n(added) + " wide" : "absent") +
                           ", the base's " + (base_added ? n(base_added) + " wide" : "absent"),
                       {"add_embedding.linear_1.weight"}});
  refuse_misfits(misfits, f, arch_name(arch), src, base);
  src.component_files["unet"] = f.path;
  src.components["unet"] = std::move(f.source);
}

void replace_vae(ModelSource& src, OpenedFile f) {
  const auto base_it = src.components.find("vae");
  const ComponentSource* base = base_it == src.components.end() ? nullptr : &base_it->second;
  if (f.folder_config.is_null()) {
    json own = derived_vae_config(f);
    if (base) {
      f.source.config = overlay(base->config, own, kVaeShapeFields, std::size(kVaeShapeFields));
      f.source.config_origin = f.path + " (VAE config: " + base->config_origin + " with the sizes read off the file's shapes)";
    } else {
      if (src.detection.arch == Arch::SDXL) own["scaling_factor"] = 0.13025, own["force_upcast"] = true;
      f.source.config = own;
      f.source.config_origin = f.path + " (VAE config, read off its shapes)";
    }
  }
  if (base) {
    const VaeConfig cfg = VaeConfig::from_json(f.source.config, f.source.config_origin);
    const VaeConfig base_cfg = VaeConfig::from_json(base->config, base->config_origin);
    std::vector<Misfit> misfits;
    auto n = [](int64_t v) { return std::to_string(v); };
    if (cfg.latent_channels != base_cfg.latent_channels)
      misfits.push_back({"latent channels " + n(cfg.latent_channels) + ", the base's " + n(base_cfg.latent_channels),
                         {"decoder.conv_in.weight", "encoder.conv_out.weight"}});
    if (cfg.downscale() != base_cfg.downscale())
      misfits.push_back({"downscale " + n(cfg.downscale()) + ", the base's " + n(base_cfg.downscale()) + " (levels " +
                             n(int64_t(cfg.block_out_channels.size())) + ", the base's " + n(int64_t(base_cfg.block_out_channels.size())) + ")",
                         {}});
    if (cfg.in_channels != base_cfg.in_channels || cfg.out_channels != base_cfg.out_channels)
      misfits.push_back({"image channels in/out " + n(cfg.in_channels) + "/" + n(cfg.out_channels) + ", the base's " +
                             n(base_cfg.in_channels) + "/" + n(base_cfg.out_channels),
                         {"encoder.conv_in.weight", "decoder.conv_out.weight"}});
    refuse_misfits(misfits, f, "", src, *base);
  }
  src.component_files["vae"] = f.path;
  src.components["vae"] = std::move(f.source);
}

OpenedFile open_as(const std::string& path, const std::string& component) {
  auto f = open_file(path);
  if (!f)
    throw Error(path + ": not a " + component + " file (a .safetensors holding only a " + component +
                (component == "unet" ? ", in diffusers names or LDM names under model.diffusion_model., or a diffusers unet/ folder)"
                                     : ", in diffusers names or LDM names under first_stage_model., or a diffusers vae/ folder)") +
                "; a full checkpoint is passed as the model");
  if (f->component != component)
    throw Error(path + ": holds a " + f->component + " (" + f->layout + " names), not a " + component);
  return std::move(*f);
}

}  // namespace

void replace_components(ModelSource& src, const LoadOptions& options) {
  // Both files are opened and checked before either replaces anything: an error leaves nothing half-combined
  // (and nothing is loaded before the whole source passes validate_model_source).
  std::optional<OpenedFile> unet, vae;
  if (!options.unet_path.empty()) unet = open_as(options.unet_path, "unet");
  if (!options.vae_path.empty()) vae = open_as(options.vae_path, "vae");
  ModelSource combined = src;
  if (unet) replace_unet(combined, std::move(*unet));
  if (vae) replace_vae(combined, std::move(*vae));
  src = std::move(combined);
}

std::optional<ComponentFileInfo> inspect_component_file(const std::string& path) {
  auto f = open_file(path);
  if (!f) return std::nullopt;
  ComponentFileInfo info;
  info.path = path;
  info.component = f->component;
  info.layout = f->layout;
  info.weights.name = f->component;
  info.weights.source = f->source.origin;
  for (const auto& [k, t] : f->source.tensors) {
    info.weights.parameters += t.numel();
    info.weights.bytes += t.numel() * static_cast<int64_t>(t.element_size());
    info.weights.dtypes[safetensors_dtype_name(t.scalar_type())] += 1;
    info.weights.tensors += 1;
  }
  try {
    if (f->component == "unet") {
      const Arch arch = unet_arch(*f);
      info.arch = arch_name(arch);
      info.config = f->folder_config.is_null() ? derived_unet_config(*f, arch, 0) : f->folder_config;
    } else {
      info.config = f->folder_config.is_null() ? derived_vae_config(*f) : f->folder_config;
    }
    if (f->folder_config.is_null())
      info.config_note = "sizes read off the shapes; attention heads, sample size, scaling (and SDXL's time-id width) come from the base model";
  } catch (const Error& e) {
    info.config = nullptr;
    info.config_note = e.what();
  }
  return info;
}

nlohmann::json ComponentFileInfo::to_json() const {
  json j = {{"path", path}, {"component", component}, {"layout", layout}, {"parameters", weights.parameters},
            {"bytes", weights.bytes}, {"tensors", weights.tensors}, {"dtypes", weights.dtypes}, {"config", config}};
  if (!arch.empty()) j["architecture"] = arch;
  if (!config_note.empty()) j["config_note"] = config_note;
  return j;
}

}  // namespace ripen::models
