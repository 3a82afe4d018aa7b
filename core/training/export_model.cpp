#include "training/export_model.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tensors/error.h"
#include "tensors/safetensors.h"
#include "training/caption_tokens.h"
#include "training/diffusion_trainer.h"
#include "training/embedded_config.h"
#include "training/latents.h"
#include "training/train_util.h"

namespace ripen::training {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void write_json(const fs::path& p, const json& j) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p);
  f << j.dump(2) << "\n";
  if (!f) throw Error(p.string() + ": cannot write");
}

std::map<std::string, at::Tensor> half(const std::map<std::string, at::Tensor>& m) {
  std::map<std::string, at::Tensor> out;
  for (const auto& [k, v] : m) out[k] = v.to(at::kHalf);
  return out;
}

json vae_config_json(const VaeConfig& c, double scaling_factor) {
  const size_t n = c.block_out_channels.size();
  return {{"_class_name", "AutoencoderKL"},
          {"_diffusers_version", "0.30.0"},
          {"act_fn", "silu"},
          {"in_channels", c.in_channels},
          {"out_channels", c.out_channels},
          {"latent_channels", c.latent_channels},
          {"block_out_channels", c.block_out_channels},
          {"down_block_types", std::vector<std::string>(n, "DownEncoderBlock2D")},
          {"up_block_types", std::vector<std::string>(n, "UpDecoderBlock2D")},
          {"layers_per_block", c.layers_per_block},
          {"norm_num_groups", c.norm_num_groups},
          {"sample_size", kEmojiSize},
          {"scaling_factor", scaling_factor},
          {"force_upcast", false},
          {"use_quant_conv", c.use_quant_conv},
          {"use_post_quant_conv", c.use_post_quant_conv},
          {"mid_block_add_attention", c.mid_block_add_attention}};
}

json text_config_json(const text::ClipTextConfig& c) {
  return {{"architectures", {"CLIPTextModel"}},
          {"model_type", "clip_text_model"},
          {"vocab_size", c.vocab_size},
          {"hidden_size", c.hidden_size},
          {"intermediate_size", c.intermediate_size},
          {"num_hidden_layers", c.num_layers},
          {"num_attention_heads", c.num_heads},
          {"max_position_embeddings", c.max_positions},
          {"hidden_act", c.hidden_act},
          {"layer_norm_eps", c.layer_norm_eps},
          {"projection_dim", c.projection_dim},
          {"bos_token_id", c.bos_token_id},
          {"eos_token_id", c.eos_token_id},
          {"pad_token_id", kPadId},
          {"torch_dtype", "float16"}};
}

}  // namespace

ExportReport export_embedded_model(const ExportInputs& in, const std::string& out_dir) {
  fs::path out(out_dir);
  fs::create_directories(out);
  auto lat = load_latents(in.latents_path);

  // VAE (EMA weights), with the scaling factor measured on its latents
  auto vae_cfg = embedded_vae_config(in.scale);
  auto vae_w = load_checkpoint_weights(in.vae_dir, true);
  write_json(out / "vae" / "config.json", vae_config_json(vae_cfg, lat.scaling_factor));
  save_safetensors((out / "vae" / "diffusion_pytorch_model.safetensors").string(), half(vae_w));

  // UNet + text encoder share the diffusion run's checkpoint; split by key.
  auto w = load_checkpoint_weights(in.diffusion_dir, true);
  std::map<std::string, at::Tensor> unet_w, text_w;
  for (auto& [k, v] : w) (k.rfind("text_model.", 0) == 0 || k == "text_projection.weight" ? text_w : unet_w)[k] = v;
  int64_t vocab = text_w.count("text_model.embeddings.token_embedding.weight")
                      ? text_w["text_model.embeddings.token_embedding.weight"].size(0)
                      : throw Error(in.diffusion_dir + ": no text encoder weights in the checkpoint");
  auto tcfg = embedded_text_config(in.scale, vocab);
  auto ucfg = embedded_unet_config(in.scale, tcfg.hidden_size);
  write_json(out / "unet" / "config.json", ucfg.to_json());
  save_safetensors((out / "unet" / "diffusion_pytorch_model.safetensors").string(), half(unet_w));
  write_json(out / "text_encoder" / "config.json", text_config_json(tcfg));
  save_safetensors((out / "text_encoder" / "model.safetensors").string(), half(text_w));

  // tokenizer
  fs::create_directories(out / "tokenizer");
  fs::copy_file(fs::path(in.tokenizer_dir) / "spiece.model", out / "tokenizer" / "spiece.model",
                fs::copy_options::overwrite_existing);
  write_json(out / "tokenizer" / "tokenizer_config.json",
             {{"tokenizer_class", "SentencePieceTokenizer"},
              {"model_file", "spiece.model"},
              {"model_max_length", kTokenLength},
              {"padding", "max_length"},
              {"add_bos_token", true},
              {"add_eos_token", true},
              {"pad_token_id", kPadId},
              {"unk_token_id", kUnkId},
              {"bos_token_id", kBosId},
              {"eos_token_id", kEosId},
              {"normalization", "nmt_nfkc_cf"}});

  write_json(out / "scheduler" / "scheduler_config.json",
             {{"_class_name", "DDIMScheduler"},
              {"_diffusers_version", "0.30.0"},
              {"beta_start", 0.00085},
              {"beta_end", 0.012},
              {"beta_schedule", "scaled_linear"},
              {"num_train_timesteps", 1000},
              {"prediction_type", "epsilon"},
              {"clip_sample", false},
              {"set_alpha_to_one", false},
              {"steps_offset", 1},
              {"timestep_spacing", "leading"}});

  write_json(out / "model_index.json", {{"_class_name", "StableDiffusionPipeline"},
                                        {"_diffusers_version", "0.30.0"},
                                        {"_ripen_name", in.name},
                                        {"unet", {"diffusers", "UNet2DConditionModel"}},
                                        {"vae", {"diffusers", "AutoencoderKL"}},
                                        {"text_encoder", {"transformers", "CLIPTextModel"}},
                                        {"tokenizer", {"ripen", "SentencePieceTokenizer"}},
                                        {"scheduler", {"diffusers", "DDIMScheduler"}},
                                        {"safety_checker", {nullptr, nullptr}},
                                        {"feature_extractor", {nullptr, nullptr}},
                                        {"requires_safety_checker", false}});

  // latent -> RGB preview factors: least squares over the training set
  ExportReport report;
  {
    auto data = EmojiDataset::load(in.dataset_path);
    auto rows = at::tensor(data.indices(false), at::kLong);
    auto z = (lat.mean.index_select(0, rows) * lat.scaling_factor).permute({0, 2, 3, 1}).reshape({-1, lat.mean.size(1)});
    auto rgb = at::avg_pool2d(images_to_float(data.images.index_select(0, rows), at::kCPU), {4, 4})
                   .permute({0, 2, 3, 1})
                   .reshape({-1, 3});
    auto x = at::cat({z, at::ones({z.size(0), 1})}, 1).to(at::kDouble);
    auto y = rgb.to(at::kDouble);
    auto sol = at::linalg_solve(x.t().mm(x) + 1e-6 * at::eye(x.size(1), x.options()), x.t().mm(y));  // [5, 3]
    report.preview_fit_rmse = (x.mm(sol) - y).pow(2).mean().sqrt().item<double>();
    json factors = json::array();
    for (int64_t i = 0; i < z.size(1); ++i)
      factors.push_back({sol[i][0].item<double>(), sol[i][1].item<double>(), sol[i][2].item<double>()});
    auto b = sol[z.size(1)];
    write_json(out / "latent_rgb_factors.json",
               {{"factors", factors},
                {"bias", {b[0].item<double>(), b[1].item<double>(), b[2].item<double>()}},
                {"space", "unet latent (after scaling_factor) -> RGB in [-1, 1]"},
                {"fit_rmse", report.preview_fit_rmse}});
  }
  uintmax_t bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(out))
    if (e.is_regular_file()) bytes += e.file_size();
  report.total_mb = bytes / 1e6;
  return report;
}

}  // namespace ripen::training
