#pragma once
// Architecture detection and model description without loading weights (see models/model.h for the rules).
#include <ATen/ATen.h>

#include <nlohmann/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sampling/prediction.h"

namespace ripen::models {

enum class Arch { SD1, SD2, SDXL };
// The one Prediction type is the sampling layer's (the denoiser wrapping needs it too).
using sampling::Prediction;
using sampling::parse_prediction;
using sampling::prediction_name;
enum class Layout { DiffusersFolder, SingleFile };

std::string arch_name(Arch a);              // "sd1", "sd2", "sdxl"

// Training noise schedule (diffusers scheduler_config.json names).
struct SchedulerInfo {
  double beta_start = 0.00085, beta_end = 0.012;
  std::string beta_schedule = "scaled_linear";
  int64_t num_train_timesteps = 1000;
  std::string timestep_spacing = "leading";
  int64_t steps_offset = 1;
  int64_t original_inference_steps = 50;  // LCM's origin grid
  bool rescale_betas_zero_snr = false;
  std::string class_name;  // folder's scheduler _class_name, empty for single files
};

struct Detection {
  std::string path;
  Layout layout = Layout::SingleFile;
  Arch arch = Arch::SD1;
  Prediction prediction = Prediction::Epsilon;
  std::string prediction_source;  // "scheduler_config.json", "override", "yaml", "metadata", "v_pred key", "heuristic", "default"
  std::optional<std::string> yaml; // config found beside a single file
};

// Reads only headers and configs. Throws ripen::Error with an actionable message for pickles, refiners,
// unknown layouts.
Detection detect_architecture(const std::string& path, std::optional<Prediction> prediction_override = std::nullopt);

struct ComponentInfo {
  std::string name;                        // unet, vae, text_encoder, text_encoder_2, tokenizer, tokenizer_2
  std::string source;                      // file(s) or "resources/clip" or LDM prefix
  int64_t parameters = 0;                  // elements
  int64_t bytes = 0;                       // as stored
  std::map<std::string, int64_t> dtypes;   // stored dtype -> tensor count
  int64_t tensors = 0;
};

struct ModelInfo {
  Detection detection;
  std::string name;
  SchedulerInfo scheduler;
  std::vector<ComponentInfo> components;
  std::vector<std::string> ignored_keys;   // single files: EMA, schedule buffers, position_ids ...
  std::map<std::string, nlohmann::json> configs;  // per network component, diffusers field names
  std::map<std::string, std::string> component_files;  // unet/vae loaded from their own file (LoadOptions::unet_path/vae_path)
  nlohmann::json to_json() const;
};

struct LoadOptions {
  at::Device device = at::kCPU;
  at::ScalarType dtype = at::kFloat;     // the VAE may be kept wider where this would overflow (AutoencoderKL::safe_dtype)
  std::optional<Prediction> prediction;  // override for single files
  std::string config_dir;                // diffusers folder describing a single file's components (optional)
  std::vector<std::string> components;   // only these (unet, vae, text_encoder, text_encoder_2, tokenizer, tokenizer_2); empty: all
  bool compute_hash = true;              // LoadedModel::sha256 (models/model_hash.h): cached, seconds the first time
  std::string taesd_path;                // preview decoder to load instead of one found beside the model (optional)
  // A UNet and/or VAE from their own file, replacing the model's (the model gives everything else; models/unet_file.h):
  // a UNet-only .safetensors (diffusers names, or LDM names with or without `model.diffusion_model.`) or a diffusers
  // unet/ folder; a VAE .safetensors (diffusers names, or LDM names with or without `first_stage_model.`).
  std::string unet_path, vae_path;
  // The Draft tier's student folder (models/student.h) instead of `<folder>/student/` (optional).
  std::string student_path;
};

// Reads headers and configs only, and refuses a model whose weights do not fit its configs (validate_model).
ModelInfo inspect_model(const std::string& path, const LoadOptions& options = {});

// The image side the model was made for, from its component configs (ModelInfo::configs, LoadedModel::configs):
// the UNet's sample_size times the VAE's downscale, 2^(levels - 1). 0 when the configs don't say.
int64_t native_image_size(const std::map<std::string, nlohmann::json>& configs);

// The model's display name: folder name or file stem.
std::string model_name(const std::string& path);

}  // namespace ripen::models
