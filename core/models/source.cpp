#include "models/source.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "models/key_table.h"
#include "models/ldm_shapes.h"
#include "models/ldm_yaml.h"
#include "nets/autoencoder_kl.h"
#include "nets/unet_config.h"
#include "tensors/error.h"
#include "tensors/json_file.h"
#include "tensors/safetensors.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace ripen::models {
namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.size() >= p.size() && s.compare(0, p.size(), p) == 0; }
bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

bool is_pickle_ext(const fs::path& p) {
  std::string e = p.extension().string();
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e == ".ckpt" || e == ".bin" || e == ".pt" || e == ".pth" || e == ".pkl";
}

bool has_zip_magic(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char m[4] = {};
  f.read(m, 4);
  return f.gcount() == 4 && m[0] == 'P' && m[1] == 'K' && m[2] == 3 && m[3] == 4;
}

// ---------------------------------------------------------------------------------------------- folders

const char* kFolderComponents[] = {"unet", "vae", "text_encoder", "text_encoder_2"};

}  // namespace

// The component's .safetensors file(s): plain, fp16 variant, or sharded (index.json).
std::vector<std::string> component_weights(const fs::path& dir, const std::string& stem) {
  for (const std::string& name : {stem + ".safetensors", stem + ".fp16.safetensors"})
    if (fs::is_regular_file(dir / name)) return {(dir / name).string()};
  for (const std::string& name : {stem + ".safetensors.index.json", stem + ".safetensors.index.fp16.json"}) {
    if (!fs::is_regular_file(dir / name)) continue;
    json index = read_json_file(dir / name);
    std::set<std::string> shards;
    if (!index.contains("weight_map") || !index["weight_map"].is_object()) throw Error((dir / name).string() + ": no 'weight_map'");
    for (const auto& [k, v] : index["weight_map"].items()) shards.insert((dir / v.get<std::string>()).string());
    return {shards.begin(), shards.end()};
  }
  std::vector<std::string> pickles;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (is_pickle_ext(e.path())) pickles.push_back(e.path().filename().string());
  if (!pickles.empty()) throw Error(pickle_refusal(dir.string() + " (" + pickles.front() + ")", true));
  throw Error(dir.string() + ": no " + stem + ".safetensors (component weights missing)");
}

// Old diffusers VAE checkpoints name the mid-block attention query/key/value/proj_attn.
std::string modern_vae_key(const std::string& k) {
  static const std::pair<const char*, const char*> renames[] = {
      {".attentions.0.query.", ".attentions.0.to_q."}, {".attentions.0.key.", ".attentions.0.to_k."},
      {".attentions.0.value.", ".attentions.0.to_v."}, {".attentions.0.proj_attn.", ".attentions.0.to_out.0."}};
  for (const auto& [from, to] : renames)
    if (auto p = k.find(from); p != std::string::npos) return k.substr(0, p) + to + k.substr(p + std::strlen(from));
  return k;
}

namespace {

SchedulerInfo scheduler_from_json(const json& j) {
  SchedulerInfo s;
  auto num = [&](const char* k, double& out) {
    if (j.contains(k) && j[k].is_number()) out = j[k].get<double>();
  };
  auto integer = [&](const char* k, int64_t& out) {
    if (j.contains(k) && j[k].is_number_integer()) out = j[k].get<int64_t>();
  };
  auto str = [&](const char* k, std::string& out) {
    if (j.contains(k) && j[k].is_string()) out = j[k].get<std::string>();
  };
  num("beta_start", s.beta_start);
  num("beta_end", s.beta_end);
  str("beta_schedule", s.beta_schedule);
  integer("num_train_timesteps", s.num_train_timesteps);
  str("timestep_spacing", s.timestep_spacing);
  integer("steps_offset", s.steps_offset);
  integer("original_inference_steps", s.original_inference_steps);
  if (j.contains("rescale_betas_zero_snr") && j["rescale_betas_zero_snr"].is_boolean())
    s.rescale_betas_zero_snr = j["rescale_betas_zero_snr"].get<bool>();
  str("_class_name", s.class_name);
  return s;
}

ModelSource open_folder(const fs::path& dir) {
  ModelSource src;
  src.detection.path = dir.string();
  src.detection.layout = Layout::DiffusersFolder;
  if (!fs::is_regular_file(dir / "model_index.json"))
    throw Error(dir.string() + ": not a diffusers folder (no model_index.json)");
  json index = read_json_file(dir / "model_index.json");
  std::string cls = index.value("_class_name", "");
  auto listed = [&](const std::string& c) { return index.contains(c) && index[c].is_array() && !index[c].empty() && !index[c][0].is_null(); };

  for (const char* c : kFolderComponents) {
    if (!listed(c)) continue;
    ComponentSource comp;
    fs::path cdir = dir / c;
    std::string stem = starts_with(c, "text_encoder") ? "model" : "diffusion_pytorch_model";
    comp.files = component_weights(cdir, stem);
    comp.config = read_json_file(cdir / "config.json");
    comp.config_origin = (cdir / "config.json").string();
    for (const auto& f : comp.files) {
      auto st = SafeTensors::open(f);
      for (const auto& k : st.keys()) {
        std::string key = std::string(c) == "vae" ? modern_vae_key(k) : k;
        if (!comp.tensors.emplace(key, st.tensor(k)).second) throw Error(f + ": key '" + k + "' appears in two shards");
      }
      comp.origin += (comp.origin.empty() ? "" : ", ") + f;
    }
    if (starts_with(c, "text_encoder")) comp.ignore_prefixes = {"text_model.embeddings.position_ids"};
    src.components.emplace(c, std::move(comp));
  }
  for (const char* t : {"tokenizer", "tokenizer_2"}) {
    if (!listed(t)) continue;
    TokenizerSource tok;
    tok.dir = (dir / t).string();
    src.tokenizers.emplace(t, tok);
  }
  if (!src.components.count("unet")) throw Error(dir.string() + ": model_index.json lists no unet");

  json sched = fs::is_regular_file(dir / "scheduler/scheduler_config.json") ? read_json_file(dir / "scheduler/scheduler_config.json") : json::object();
  src.scheduler = scheduler_from_json(sched);
  std::string pred = sched.value("prediction_type", "epsilon");
  if (pred == "epsilon") src.detection.prediction = Prediction::Epsilon;
  else if (pred == "v_prediction") src.detection.prediction = Prediction::V;
  else throw Error(dir.string() + "/scheduler/scheduler_config.json: prediction_type '" + pred + "' is not supported (epsilon, v_prediction)");
  src.detection.prediction_source = "scheduler_config.json";

  const json& unet_cfg = src.components.at("unet").config;
  bool text_time = unet_cfg.value("addition_embed_type", json()).is_string() && unet_cfg["addition_embed_type"] == "text_time";
  if (cls.find("XL") != std::string::npos || text_time) {
    if (!src.components.count("text_encoder"))
      throw Error(dir.string() + ": an SDXL refiner (no first text encoder) is not supported; use an SDXL base model");
    src.detection.arch = Arch::SDXL;
    src.force_zeros_for_empty_prompt = index.value("force_zeros_for_empty_prompt", true);
  } else {
    const json* te = src.components.count("text_encoder") ? &src.components.at("text_encoder").config : nullptr;
    bool open_clip = te && te->value("hidden_act", "") == "gelu";
    src.detection.arch = open_clip || unet_cfg.value("cross_attention_dim", 0) == 1024 ? Arch::SD2 : Arch::SD1;
  }
  src.hashed_files = src.components.at("unet").files;
  return src;
}

// ---------------------------------------------------------------------------------------------- single files

}  // namespace

Shapes Shapes::of_file(const SafeTensors& st) {
  Shapes sh;
  sh.path = st.path();
  for (const auto& i : st.tensors()) sh.shapes[i.name] = i.shape;
  return sh;
}

std::vector<int64_t> Shapes::of(const std::string& key) const {
  auto it = shapes.find(key);
  if (it == shapes.end()) throw Error(path + ": key '" + key + "' is missing (partial or unsupported checkpoint)");
  return it->second;
}

int64_t Shapes::dim(const std::string& key, size_t d) const {
  auto s = of(key);
  if (s.size() <= d) throw Error(path + ": key '" + key + "' has shape of rank " + std::to_string(s.size()));
  return s[d];
}

int count_indices(const std::set<std::string>& keys, const std::string& prefix) {
  int count = 0;
  for (auto it = keys.lower_bound(prefix); it != keys.end() && starts_with(*it, prefix); ++it) {
    size_t end = prefix.size();
    while (end < it->size() && std::isdigit(static_cast<unsigned char>((*it)[end]))) ++end;
    if (end == prefix.size() || end >= it->size() || (*it)[end] != '.') continue;
    count = std::max(count, std::stoi(it->substr(prefix.size(), end - prefix.size())) + 1);
  }
  return count;
}

bool any_prefix(const std::set<std::string>& keys, const std::string& p) {
  auto it = keys.lower_bound(p);
  return it != keys.end() && starts_with(*it, p);
}

// Heads of a CLIP text tower: real ones all have 64-wide heads; toy models (width < 64 or not a multiple) 8-wide.
int64_t clip_heads(int64_t width) { return width % 64 == 0 ? width / 64 : std::max<int64_t>(1, width / 8); }

json hf_clip_config(const Shapes& sh, const std::set<std::string>& keys, const std::string& p, const std::string& act) {
  json c;
  auto tok = sh.of(p + "embeddings.token_embedding.weight");
  c["vocab_size"] = tok[0];
  c["hidden_size"] = tok[1];
  c["max_position_embeddings"] = sh.dim(p + "embeddings.position_embedding.weight", 0);
  c["num_hidden_layers"] = count_indices(keys, p + "encoder.layers.");
  c["intermediate_size"] = sh.dim(p + "encoder.layers.0.mlp.fc1.weight", 0);
  c["num_attention_heads"] = clip_heads(tok[1]);
  c["hidden_act"] = act;
  c["layer_norm_eps"] = 1e-5;
  c["bos_token_id"] = 0;
  c["eos_token_id"] = 2;
  c["pad_token_id"] = 1;
  c["architectures"] = {"CLIPTextModel"};
  return c;
}

json open_clip_config(const Shapes& sh, const std::string& p, int layers, bool projection) {
  json c;
  auto tok = sh.of(p + "token_embedding.weight");
  c["vocab_size"] = tok[0];
  c["hidden_size"] = tok[1];
  c["max_position_embeddings"] = sh.dim(p + "positional_embedding", 0);
  c["num_hidden_layers"] = layers;
  c["intermediate_size"] = sh.dim(p + "transformer.resblocks.0.mlp.c_fc.weight", 0);
  c["num_attention_heads"] = clip_heads(tok[1]);
  c["hidden_act"] = "gelu";
  c["layer_norm_eps"] = 1e-5;
  c["bos_token_id"] = 0;
  c["eos_token_id"] = 2;
  c["pad_token_id"] = 1;
  c["architectures"] = {projection ? "CLIPTextModelWithProjection" : "CLIPTextModel"};
  if (projection) c["projection_dim"] = sh.dim(p + "text_projection", 1);
  return c;
}

UNetConfig unet_config_from_shapes(const Shapes& sh, const std::set<std::string>& keys, const UNetTopology& t, Arch arch,
                                   const std::optional<LdmYaml>& yaml, int64_t pooled_dim) {
  const std::string P = "model.diffusion_model.";
  UNetConfig c = arch == Arch::SDXL ? UNetConfig::sdxl() : arch == Arch::SD2 ? UNetConfig::sd21() : UNetConfig::sd15();
  const int N = t.levels, S = t.layers_per_block + 1;
  if (N == 0) throw Error(sh.path + ": no UNet input blocks under '" + P + "'");
  c.in_channels = sh.dim(P + "input_blocks.0.0.weight", 1);
  c.out_channels = sh.dim(P + "out.2.weight", 0);
  c.block_out_channels.clear();
  c.down_block_types.clear();
  c.up_block_types.clear();
  c.transformer_layers_per_block.clear();
  c.num_attention_heads.clear();
  c.layers_per_block.assign(N, t.layers_per_block);
  std::string first_attn;
  for (int i = 0; i < N; ++i) {
    std::string block = P + "input_blocks." + std::to_string(S * i + 1);
    c.block_out_channels.push_back(sh.dim(block + ".0.out_layers.3.weight", 0));
    c.down_block_types.push_back(t.down_attn[i] ? "CrossAttnDownBlock2D" : "DownBlock2D");
    c.up_block_types.push_back(t.up_attn[i] ? "CrossAttnUpBlock2D" : "UpBlock2D");
    c.transformer_layers_per_block.push_back(t.down_attn[i] ? std::max(1, count_indices(keys, block + ".1.transformer_blocks.")) : 1);
    if (t.down_attn[i] && first_attn.empty()) first_attn = block + ".1";
  }
  std::vector<int64_t> up_depth;
  for (int i = 0; i < N; ++i) {
    std::string block = P + "output_blocks." + std::to_string(S * i) + ".1";
    up_depth.push_back(t.up_attn[i] ? std::max(1, count_indices(keys, block + ".transformer_blocks.")) : 1);
    if (t.up_attn[i] && first_attn.empty()) first_attn = block;
  }
  c.reverse_transformer_layers_per_block.clear();
  for (int i = 0; i < N; ++i)
    if (t.up_attn[i] && up_depth[i] != c.transformer_layers_per_block[N - 1 - i]) c.reverse_transformer_layers_per_block = up_depth;
  c.mid_block_type = t.has_mid ? "UNetMidBlock2DCrossAttn" : "";
  if (!first_attn.empty()) {
    c.cross_attention_dim = sh.dim(first_attn + ".transformer_blocks.0.attn2.to_k.weight", 1);
    c.use_linear_projection = sh.of(first_attn + ".proj_in.weight").size() == 2;
  }
  // Heads: not in the weights. The yaml says num_heads (fixed count) or num_head_channels (fixed width).
  int64_t num_heads = arch == Arch::SD1 ? 8 : -1, head_channels = arch == Arch::SD1 ? -1 : 64;
  // SD1/SD2 yamls call the UNet unet_config, SDXL's network_config.
  auto yaml_unet = [&](const std::string& field) -> std::optional<double> {
    if (!yaml) return std::nullopt;
    if (auto v = yaml->number("unet_config.params." + field)) return v;
    return yaml->number("network_config.params." + field);
  };
  if (auto v = yaml_unet("num_heads"); v && *v > 0) num_heads = static_cast<int64_t>(*v), head_channels = -1;
  if (auto v = yaml_unet("num_head_channels"); v && *v > 0) head_channels = static_cast<int64_t>(*v);
  for (int i = 0; i < N; ++i) {
    int64_t ch = c.block_out_channels[i];
    c.num_attention_heads.push_back(head_channels > 0 ? std::max<int64_t>(1, ch / head_channels) : num_heads);
  }
  c.time_embedding_dim = sh.dim(P + "time_embed.0.weight", 0);
  if (c.time_embedding_dim == 4 * c.block_out_channels[0]) c.time_embedding_dim = 0;
  if (t.add_embedding) {
    c.addition_embed_type = "text_time";
    c.projection_class_embeddings_input_dim = sh.dim(P + "label_emb.0.0.weight", 1);
    int64_t rest = c.projection_class_embeddings_input_dim - pooled_dim;
    if (pooled_dim <= 0 || rest <= 0 || rest % 6 != 0)
      throw Error(sh.path + ": cannot infer SDXL's time-id embedding width from label_emb.0.0 (" +
                  std::to_string(c.projection_class_embeddings_input_dim) + " inputs, pooled text " + std::to_string(pooled_dim) + ")");
    c.addition_time_embed_dim = rest / 6;
  } else {
    c.addition_embed_type.clear();
    c.addition_time_embed_dim = 0;
    c.projection_class_embeddings_input_dim = 0;
  }
  if (yaml)
    if (auto v = yaml->number("model.params.image_size")) c.sample_size = static_cast<int64_t>(*v);
  return c;
}

json vae_config_from_shapes(const Shapes& sh, const VaeTopology& t, Arch arch, const std::optional<LdmYaml>& yaml) {
  const std::string P = "first_stage_model.";
  if (t.levels == 0 || t.layers_per_block == 0) throw Error(sh.path + ": no VAE encoder blocks under '" + P + "'");
  json c;
  std::vector<int64_t> channels;
  for (int i = 0; i < t.levels; ++i)
    channels.push_back(sh.dim(P + "encoder.down." + std::to_string(i) + ".block." + std::to_string(t.layers_per_block - 1) + ".conv2.weight", 0));
  c["block_out_channels"] = channels;
  c["layers_per_block"] = t.layers_per_block;
  c["in_channels"] = sh.dim(P + "encoder.conv_in.weight", 1);
  c["out_channels"] = sh.dim(P + "decoder.conv_out.weight", 0);
  c["latent_channels"] = sh.dim(P + "decoder.conv_in.weight", 1);
  c["norm_num_groups"] = 32;
  c["mid_block_add_attention"] = t.mid_attn;
  c["use_quant_conv"] = sh.contains(P + "quant_conv.weight");
  c["use_post_quant_conv"] = sh.contains(P + "post_quant_conv.weight");
  double scale = arch == Arch::SDXL ? 0.13025 : 0.18215;
  if (yaml)
    if (auto v = yaml->number("model.params.scale_factor")) scale = *v;
  c["scaling_factor"] = scale;
  c["force_upcast"] = arch == Arch::SDXL;
  c["_class_name"] = "AutoencoderKL";
  return c;
}

namespace {

// Keys real checkpoints carry that are not network weights (or that we drop on purpose).
bool ignorable(const std::string& k) {
  static const char* prefixes[] = {"model_ema.", "first_stage_model.loss.", "cond_stage_model.model.visual.",
                                   "conditioner.embedders.1.model.visual."};
  static const char* exact[] = {"betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod",
                                "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod",
                                "sqrt_recipm1_alphas_cumprod", "posterior_variance", "posterior_log_variance_clipped",
                                "posterior_mean_coef1", "posterior_mean_coef2", "logvar", "v_pred", "model.diffusion_model.__version__"};
  static const char* suffixes[] = {"position_ids", "logit_scale", "attn_mask"};
  for (const char* p : prefixes)
    if (starts_with(k, p)) return true;
  for (const char* e : exact)
    if (k == e) return true;
  for (const char* s : suffixes)
    if (ends_with(k, s)) return true;
  return false;
}

Prediction decide_prediction(const SafeTensors& st, Arch arch, const std::optional<LdmYaml>& yaml,
                             const std::optional<Prediction>& override_, std::string& source) {
  if (override_) {
    source = "override";
    return *override_;
  }
  if (yaml) {
    if (auto p = yaml->get("model.params.parameterization")) {
      source = "yaml";
      if (*p == "v") return Prediction::V;
      if (*p == "eps") return Prediction::Epsilon;
      throw Error(yaml->origin() + ": parameterization '" + *p + "' is not supported (eps, v)");
    }
  }
  if (auto it = st.metadata().find("modelspec.prediction_type"); it != st.metadata().end()) {
    source = "metadata";
    return it->second == "v" || it->second == "v_prediction" ? Prediction::V : Prediction::Epsilon;
  }
  if (st.contains("v_pred")) {
    source = "v_pred key";
    return Prediction::V;
  }
  const std::string probe = "model.diffusion_model.output_blocks.11.1.transformer_blocks.0.norm1.bias";
  if (arch == Arch::SD2 && st.contains(probe)) {
    source = "heuristic";
    return st.tensor(probe).to(at::kFloat).std().item<double>() > 0.5 ? Prediction::V : Prediction::Epsilon;
  }
  source = "default";
  return Prediction::Epsilon;
}

at::Tensor apply(const at::Tensor& t, const MappedKey& m) {
  switch (m.transform) {
    case Transform::Transpose: return t.dim() == 2 ? t.t().contiguous() : t;
    case Transform::Chunk3:
      if (t.size(0) % 3 != 0) return t;  // wrong shape: ParamStore reports it against the expected one
      return t.chunk(3, 0)[m.chunk];
    default: return t;
  }
}

ModelSource open_single_file(const std::string& path, const LoadOptions& options) {
  if (is_pickle_ext(path)) throw Error(pickle_refusal(path, false));
  std::optional<SafeTensors> opened;
  try {
    opened.emplace(SafeTensors::open(path));
  } catch (const Error& e) {
    if (has_zip_magic(path)) throw Error(pickle_refusal(path, false));
    throw;
  }
  const SafeTensors& st = *opened;
  Shapes sh = Shapes::of_file(st);
  std::set<std::string> keys;
  for (const auto& k : st.keys()) keys.insert(k);

  ModelSource src;
  src.detection.path = path;
  src.detection.layout = Layout::SingleFile;
  src.hashed_files = {path};
  Arch arch;
  std::vector<std::pair<TextTopology, std::string>> texts;
  if (any_prefix(keys, "conditioner.embedders.")) {
    if (!any_prefix(keys, "conditioner.embedders.0.transformer.") || !any_prefix(keys, "conditioner.embedders.1.model."))
      throw Error(path + ": an SDXL refiner or unknown SDXL variant (needs conditioner.embedders.0.transformer.* and "
                         "conditioner.embedders.1.model.*); only SDXL base checkpoints are supported");
    arch = Arch::SDXL;
    int layers = count_indices(keys, "conditioner.embedders.1.model.transformer.resblocks.");
    texts.push_back({{TextLayout::HfClip, "conditioner.embedders.0.transformer.text_model.", 0, 0, false}, "text_encoder"});
    texts.push_back({{TextLayout::OpenClip, "conditioner.embedders.1.model.", layers, layers, true}, "text_encoder_2"});
  } else if (any_prefix(keys, "cond_stage_model.model.")) {
    arch = Arch::SD2;
    int layers = count_indices(keys, "cond_stage_model.model.transformer.resblocks.");
    // SD2 conditions on the penultimate block; diffusers ships the encoder without the last one. Same here, so
    // both layouts give the same text_encoder.
    texts.push_back({{TextLayout::OpenClip, "cond_stage_model.model.", layers, layers - 1, false}, "text_encoder"});
  } else if (any_prefix(keys, "cond_stage_model.transformer.")) {
    arch = Arch::SD1;
    std::string p = any_prefix(keys, "cond_stage_model.transformer.text_model.") ? "cond_stage_model.transformer.text_model."
                                                                                : "cond_stage_model.transformer.";
    texts.push_back({{TextLayout::HfClip, p, 0, 0, false}, "text_encoder"});
  } else {
    std::set<std::string> tops;
    for (const auto& k : keys) tops.insert(k.substr(0, k.find('.')));
    std::string list;
    for (const auto& t : tops) list += (list.empty() ? "" : ", ") + t;
    throw Error(path + ": not a Stable Diffusion checkpoint in the LDM layout (no text encoder under cond_stage_model.* "
                       "or conditioner.embedders.*; top-level names: " + list + ")");
  }
  if (!any_prefix(keys, "model.diffusion_model.")) throw Error(path + ": no UNet weights (model.diffusion_model.*): partial checkpoint?");
  if (!any_prefix(keys, "first_stage_model.")) throw Error(path + ": no VAE weights (first_stage_model.*): partial checkpoint?");
  src.detection.arch = arch;

  if (auto y = yaml_beside(path)) src.detection.yaml = *y;
  std::optional<LdmYaml> yaml;
  if (src.detection.yaml) yaml = LdmYaml::load(*src.detection.yaml);
  src.detection.prediction = decide_prediction(st, arch, yaml, options.prediction, src.detection.prediction_source);

  // The table, from the topology found in the keys.
  KeyTable table;
  auto unet_topo = UNetTopology::from_ldm_keys(keys);
  auto vae_topo = VaeTopology::from_ldm_keys(keys);
  table.add_unet(unet_topo);
  table.add_vae(vae_topo);
  for (const auto& [topo, comp] : texts) table.add_text(topo, comp);

  const std::map<std::string, std::string> component_prefix = {
      {"model.diffusion_model.", "unet"}, {"first_stage_model.", "vae"}, {"cond_stage_model.", "text_encoder"},
      {"conditioner.embedders.0.", "text_encoder"}, {"conditioner.embedders.1.", "text_encoder_2"}};
  std::vector<std::string> stray;
  for (const auto& k : keys) {
    auto mapped = table.to_diffusers(k);
    if (mapped.empty()) {
      // Deliberately unmapped: SD2's last text block, an unprojected encoder's text_projection, buffers.
      bool dropped_block = false;
      for (const auto& [topo, comp] : texts)
        if (topo.layout == TextLayout::OpenClip &&
            ((starts_with(k, topo.ldm_prefix + "transformer.resblocks.") &&
              count_indices(std::set<std::string>{k}, topo.ldm_prefix + "transformer.resblocks.") > topo.keep_layers) ||
             (!topo.projection && k == topo.ldm_prefix + "text_projection")))
          dropped_block = true;
      if (dropped_block || ignorable(k)) {
        src.ignored_keys.push_back(k);
        continue;
      }
      // Under a component's prefix: handed to that component under its LDM name, so the load reports it as unexpected.
      std::string owner;
      for (const auto& [p, comp] : component_prefix)
        if (starts_with(k, p)) owner = comp;
      if (owner.empty()) stray.push_back(k);
      else src.components[owner].tensors.emplace(k, st.tensor(k));
      continue;
    }
    at::Tensor t = st.tensor(k);
    for (const auto& m : mapped) src.components[m.component].tensors[m.key] = apply(t, m);
  }
  if (!stray.empty()) {
    std::string list;
    for (size_t i = 0; i < stray.size() && i < 20; ++i) list += "\n    " + stray[i];
    if (stray.size() > 20) list += "\n    ... and " + std::to_string(stray.size() - 20) + " more";
    throw Error(path + ": " + std::to_string(stray.size()) + " keys belong to no known component:" + list);
  }

  // Configs: shapes + yaml + arch defaults, or the user's diffusers config folder.
  int64_t pooled = 0;
  for (const auto& [topo, comp] : texts) {
    json cfg = topo.layout == TextLayout::HfClip
                   ? hf_clip_config(sh, keys, topo.ldm_prefix, "quick_gelu")
                   : open_clip_config(sh, topo.ldm_prefix, topo.keep_layers, topo.projection);
    if (topo.projection) pooled = cfg["projection_dim"].get<int64_t>();
    src.components[comp].config = cfg;
  }
  src.components["unet"].config = unet_config_from_shapes(sh, keys, unet_topo, arch, yaml, pooled).to_json();
  src.components["unet"].config["prediction_type"] = prediction_name(src.detection.prediction);
  src.components["vae"].config = vae_config_from_shapes(sh, vae_topo, arch, yaml);
  for (auto& [name, comp] : src.components) {
    comp.origin = path + " (" + name + ")";
    comp.config_origin = path + " (" + name + " config, read off its shapes)";
  }
  if (!options.config_dir.empty()) {
    for (auto& [name, comp] : src.components) {
      fs::path cfg = fs::path(options.config_dir) / name / "config.json";
      if (!fs::is_regular_file(cfg)) continue;
      comp.config = read_json_file(cfg);
      comp.config_origin = cfg.string();
    }
  }

  // Tokenizers: the bundled CLIP vocabulary (or the config folder's). OpenCLIP towers pad with "!" (id 0).
  auto tokenizer = [&](const std::string& name, bool open_clip) {
    TokenizerSource t;
    if (!options.config_dir.empty() && fs::is_directory(fs::path(options.config_dir) / name)) t.dir = (fs::path(options.config_dir) / name).string();
    t.pad_id = open_clip ? 0 : 49407;
    t.bang_as_pad = open_clip;
    src.tokenizers[name] = t;
  };
  tokenizer("tokenizer", arch == Arch::SD2);
  if (arch == Arch::SDXL) tokenizer("tokenizer_2", true);

  // Schedule: the SD defaults, or the yaml's.
  if (yaml) {
    if (auto v = yaml->number("model.params.linear_start")) src.scheduler.beta_start = *v;
    if (auto v = yaml->number("model.params.linear_end")) src.scheduler.beta_end = *v;
    if (auto v = yaml->number("model.params.timesteps")) src.scheduler.num_train_timesteps = static_cast<int64_t>(*v);
  }
  src.force_zeros_for_empty_prompt = arch == Arch::SDXL;
  return src;
}

}  // namespace

std::string pickle_refusal(const std::string& what, bool folder) {
  if (folder)
    return what + ": holds PyTorch pickle weights only. Ripen loads .safetensors only, because loading a pickle can run "
                  "arbitrary code. Convert the folder once with diffusers: python3 -c \"from diffusers import DiffusionPipeline; "
                  "p = DiffusionPipeline.from_pretrained('DIR'); p.save_pretrained('DIR-safetensors', safe_serialization=True)\"";
  return what + ": is a PyTorch pickle checkpoint (.ckpt/.bin/.pt). Ripen loads .safetensors only, because loading a pickle "
                "can run arbitrary code. Convert it once (only if you trust the file): python3 -c \"import torch; "
                "from safetensors.torch import save_file; sd = torch.load('model.ckpt', map_location='cpu', weights_only=True); "
                "sd = sd.get('state_dict', sd); save_file({k: v.contiguous() for k, v in sd.items() if torch.is_tensor(v)}, "
                "'model.safetensors')\"";
}

ModelSource open_model_source(const std::string& path, const LoadOptions& options) {
  if (!fs::is_directory(path) && !fs::exists(path)) throw Error(path + ": no such file or folder");
  ModelSource src = fs::is_directory(path) ? open_folder(path) : open_single_file(path, options);
  if (!options.unet_path.empty() || !options.vae_path.empty()) replace_components(src, options);
  return src;
}

}  // namespace ripen::models
