#include "random_model.h"

#include <fstream>

#include "nets/unet.h"
#include "tensors/params.h"
#include "tensors/safetensors.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace ripen::test {
namespace {

std::map<std::string, at::Tensor> weights_of(const ParamStore& ps) {
  std::map<std::string, at::Tensor> out;
  for (const auto& [k, t] : ps.params()) out[k] = t.to(at::kHalf);
  return out;
}

json vae_json(const VaeConfig& c) {
  json j = {{"_class_name", "AutoencoderKL"},          {"in_channels", c.in_channels},
            {"out_channels", c.out_channels},          {"latent_channels", c.latent_channels},
            {"block_out_channels", c.block_out_channels}, {"layers_per_block", c.layers_per_block},
            {"norm_num_groups", c.norm_num_groups},    {"scaling_factor", c.scaling_factor},
            {"mid_block_add_attention", c.mid_block_add_attention}};
  return j;
}

json text_json(const text::ClipTextConfig& c) {
  return {{"architectures", {"CLIPTextModel"}},     {"vocab_size", c.vocab_size},
          {"hidden_size", c.hidden_size},           {"num_hidden_layers", c.num_layers},
          {"num_attention_heads", c.num_heads},     {"intermediate_size", c.intermediate_size},
          {"max_position_embeddings", c.max_positions}, {"hidden_act", c.hidden_act},
          {"layer_norm_eps", c.layer_norm_eps},     {"bos_token_id", c.bos_token_id},
          {"eos_token_id", c.eos_token_id}};
}

void write_json(const fs::path& p, const json& j) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << j.dump(2);
}

}  // namespace

RandomModel random_model(models::Arch arch, int64_t text_width, int64_t latent_channels, uint64_t seed) {
  RandomModel m;
  m.arch = arch;
  const bool sd2 = arch == models::Arch::SD2;
  UNetConfig& u = m.unet;
  u.in_channels = u.out_channels = latent_channels;
  u.block_out_channels = {32, 64};
  u.layers_per_block = {1, 1};
  u.down_block_types = {"CrossAttnDownBlock2D", "DownBlock2D"};
  u.up_block_types = {"UpBlock2D", "CrossAttnUpBlock2D"};
  u.num_attention_heads = {2, 4};
  u.transformer_layers_per_block = {1, 1};
  u.cross_attention_dim = text_width;
  u.use_linear_projection = sd2;
  u.sample_size = 8;
  VaeConfig& v = m.vae;
  v.latent_channels = latent_channels;
  v.block_out_channels = {32, 64};
  v.layers_per_block = 1;
  text::ClipTextConfig& t = m.text;
  t.vocab_size = 1000;
  t.hidden_size = text_width;
  t.num_layers = sd2 ? 3 : 2;  // an SD2 single file keeps all but the last block
  t.num_heads = 4;
  t.intermediate_size = 2 * text_width;
  t.hidden_act = sd2 ? "gelu" : "quick_gelu";
  t.eos_token_id = 2;

  ParamStore pu = ParamStore::random(seed);
  UNet2DCondition::bind(pu, u);
  m.weights["unet"] = weights_of(pu);
  ParamStore pv = ParamStore::random(seed + 1);
  AutoencoderKL::bind(pv, v);
  m.weights["vae"] = weights_of(pv);
  ParamStore pt = ParamStore::random(seed + 2);
  text::ClipTextModel te;
  te.bind(pt, t);
  m.weights["text_encoder"] = weights_of(pt);

  m.configs["unet"] = u.to_json();
  m.configs["vae"] = vae_json(v);
  m.configs["text_encoder"] = text_json(t);
  return m;
}

void write_diffusers_folder(const RandomModel& m, const fs::path& dir) {
  json index = {{"_class_name", "StableDiffusionPipeline"},
                {"scheduler", {"diffusers", "EulerDiscreteScheduler"}}};
  for (const auto& [name, _] : m.weights) index[name] = {name == "text_encoder" ? "transformers" : "diffusers", "x"};
  write_json(dir / "model_index.json", index);
  write_json(dir / "scheduler/scheduler_config.json",
             {{"beta_start", 0.00085}, {"beta_end", 0.012}, {"beta_schedule", "scaled_linear"},
              {"prediction_type", m.arch == models::Arch::SD2 ? "v_prediction" : "epsilon"}});
  for (const auto& [name, w] : m.weights) {
    write_json(dir / name / "config.json", m.configs.at(name));
    const std::string stem = name == "text_encoder" ? "model" : "diffusion_pytorch_model";
    save_safetensors((dir / name / (stem + ".safetensors")).string(), w);
  }
}

void write_single_file(const RandomModel& m, const fs::path& file) {
  fs::create_directories(file.parent_path());
  save_safetensors(file.string(), models::to_ldm_checkpoint(m.arch, m.weights));
}

}  // namespace ripen::test
