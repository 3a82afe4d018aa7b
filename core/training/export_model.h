#pragma once
// Writes the trained embedded model as a diffusers folder (fp16 safetensors):
//   model_index.json
//   unet/{config.json, diffusion_pytorch_model.safetensors}
//   vae/{config.json, diffusion_pytorch_model.safetensors}
//   text_encoder/{config.json, model.safetensors}            (transformers CLIPTextModel layout)
//   tokenizer/{spiece.model, tokenizer_config.json}          (see caption_tokens.h for the token layout)
//   scheduler/scheduler_config.json                          (scaled-linear, 1000 steps, epsilon)
//   latent_rgb_factors.json  {"factors": [[r,g,b] x 4], "bias": [r,g,b]}: RGB in [-1,1] ≈ latent(UNet space)·F + b,
//                            least-squares fit on the training latents against the images pooled to 16×16.
#include <string>

namespace ripen::training {

struct ExportInputs {
  std::string vae_dir, diffusion_dir, tokenizer_dir, latents_path, dataset_path;
  std::string scale = "small";
  std::string name = "ripen-emoji";
};

struct ExportReport {
  double total_mb = 0;
  double preview_fit_rmse = 0;  // of the latent -> RGB linear map, in [-1, 1] units
};

ExportReport export_embedded_model(const ExportInputs& in, const std::string& out_dir);

}  // namespace ripen::training
