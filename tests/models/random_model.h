#pragma once
// Tiny random-weight Stable Diffusion models for tests that need a model of a given shape (no oracle needed):
// every component's weights come from its own network's declaration (ParamStore::random + bind), so they fit
// the configs exactly; a test then breaks one thing on purpose (a config field, a tensor) and writes the model
// as a diffusers folder or an LDM single file.
#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "models/ldm_export.h"
#include "nets/autoencoder_kl.h"
#include "nets/unet_config.h"
#include "text/clip_text_model.h"

namespace ripen::test {

struct RandomModel {
  models::Arch arch = models::Arch::SD1;
  UNetConfig unet;
  VaeConfig vae;
  text::ClipTextConfig text;
  models::ComponentWeights weights;           // unet, vae, text_encoder: diffusers keys
  std::map<std::string, nlohmann::json> configs;  // what the folder's config.json files say (editable)
};

// SD1 (CLIP, quick_gelu, conv projections) or SD2 (OpenCLIP-style gelu tower, linear projections): 32/64-channel
// UNet with cross-attention width `text_width`, 2-level VAE with `latent_channels`, 2-layer text encoder.
RandomModel random_model(models::Arch arch, int64_t text_width = 32, int64_t latent_channels = 4, uint64_t seed = 1);

// Writes model_index.json, scheduler/, and each component's config.json (from `configs`) and weights.
void write_diffusers_folder(const RandomModel& m, const std::filesystem::path& dir);
// The LDM single-file layout (what A1111 loads): to_ldm_checkpoint of the weights.
void write_single_file(const RandomModel& m, const std::filesystem::path& file);

}  // namespace ripen::test
