#pragma once
// A UNet or a VAE in a file of its own, loaded together with the text encoders (and VAE or UNet) of a base model
// (LoadOptions::unet_path / vae_path), or described on its own (`ripen-cli info FILE`).
//
// UNet: a .safetensors holding only a UNet, in diffusers names without prefix (`conv_in.weight`, `down_blocks.*`,
// `add_embedding.*`: SDXL-Lightning's unet files) or LDM names under `model.diffusion_model.` or bare
// (`input_blocks.0.0.weight`, `time_embed.0.weight`: ComfyUI's diffusion_models/), or a diffusers unet/ folder
// (config.json + diffusion_pytorch_model.safetensors). VAE: diffusers names (`encoder.down_blocks.*`) or LDM names
// under `first_stage_model.` or bare (`encoder.down.*`, as the fp16-fix SDXL VAE ships).
//
// Config of a file: the base's, with every size the weights determine read off the file's shapes (as for
// single-file checkpoints); a folder's own config.json. The file must fit the base where the base's other
// components meet it: UNet latent channels, cross-attention width and SDXL's added condition; VAE latent channels
// and downscale. Otherwise ripen::Error names both files, both architectures and the keys with both shapes;
// every other mismatch is reported by the model check (validate.h) naming the file, the key and both shapes.
// The model's hash (model_hash.h) stays the base's; LoadedModel/ModelInfo::component_files say what was combined.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "models/detect.h"

namespace ripen::models {

struct ComponentFileInfo {
  std::string path;
  std::string component;  // "unet" or "vae"
  std::string layout;     // "diffusers", "diffusers folder", "ldm" (under the LDM prefix), "ldm, no prefix"
  std::string arch;       // UNet: what its shapes say ("sdxl": added-condition embedding; "sd2": 1024-wide or linear
                          // cross-attention projections; else "sd1"). VAE: empty (SD1 and SDXL VAEs look alike).
  ComponentInfo weights;
  nlohmann::json config;      // read off the shapes (null when they cannot say, see config_note)
  std::string config_note;
  nlohmann::json to_json() const;
};

// nullopt when `path` is not a lone UNet or VAE (a full checkpoint, a model folder, anything else). Throws
// ripen::Error naming the file when it cannot be read (truncated, corrupt).
std::optional<ComponentFileInfo> inspect_component_file(const std::string& path);

}  // namespace ripen::models
