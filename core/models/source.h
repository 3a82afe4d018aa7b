#pragma once
// Internal: a model's weights as per-component maps of diffusers-keyed tensors (zero-copy views of the mapped
// files), plus the configs the networks are built from. Both layouts (folder, single file) produce this, so
// everything after it (load, inspect) is layout-blind.
#include <ATen/ATen.h>

#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "models/detect.h"

namespace ripen::models {

struct ComponentSource {
  std::string origin;                         // file(s), for error messages
  std::map<std::string, at::Tensor> tensors;  // diffusers/transformers keys, as stored (dtype of the file)
  std::vector<std::string> ignore_prefixes;   // keys that may stay unused (ParamStore::finish)
  nlohmann::json config;                      // diffusers / HF config.json content
  std::string config_origin;                  // where `config` came from (its file, or the weights' shapes), for errors
  std::vector<std::string> files;
};

struct TokenizerSource {
  std::string dir;         // diffusers tokenizer folder, or empty: the bundled CLIP vocabulary
  int64_t pad_id = 49407;
  bool bang_as_pad = false;
};

struct ModelSource {
  Detection detection;
  SchedulerInfo scheduler;
  bool force_zeros_for_empty_prompt = false;
  std::map<std::string, ComponentSource> components;  // unet, vae, text_encoder, text_encoder_2
  std::map<std::string, TokenizerSource> tokenizers;  // tokenizer, tokenizer_2
  std::vector<std::string> ignored_keys;              // single files: keys deliberately skipped
  std::vector<std::string> hashed_files;              // what the short hash covers
  std::map<std::string, std::string> component_files;  // unet/vae replaced by their own file (LoadOptions::unet_path/vae_path)
};

// With LoadOptions::unet_path / vae_path, the model's UNet / VAE replaced by those files (models/unet_file.h).
ModelSource open_model_source(const std::string& path, const LoadOptions& options);

// Replaces src's unet / vae by LoadOptions::unet_path / vae_path (unet_file.cpp); throws before changing anything.
void replace_components(ModelSource& src, const LoadOptions& options);

// The message for a pickle file or a folder that holds only pickles.
std::string pickle_refusal(const std::string& what, bool folder);

}  // namespace ripen::models
