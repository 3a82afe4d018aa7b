#pragma once
// Finding, describing and loading Stable Diffusion models (SD 1.x, SD 2.x eps/v, SDXL base) from a diffusers
// folder (model_index.json + component folders, .safetensors only) or a single-file checkpoint in the original
// LDM layout (what AUTOMATIC1111, ComfyUI and Civitai use). Pickle formats (.ckpt/.bin/.pt) are refused with a
// message saying how to convert them, because unpickling can run code.
//
// Single files carry no configs or tokenizer. Configs come from the architecture's preset with every size that
// the weights determine read from their shapes (levels, channels, resnets per level, transformer depth, context
// dim, projection kind, VAE levels, text width/depth); what shapes cannot tell comes, in this order, from
// LoadOptions::config_dir (a diffusers folder, like diffusers' from_single_file(config=...)), a .yaml beside the
// file (original LDM config: num_heads / num_head_channels, parameterization, scale_factor, linear_start/end),
// then the architecture's defaults (SD1: 8 heads; SD2/SDXL: 64-channel heads; CLIP: 64-wide heads, 8-wide below
// 64 channels). Tokenizers come from resources/clip.
//
// v-prediction: folders say it in scheduler_config.json. Single SD2 files cannot be told apart by weights alone
// (768-v and 512-base have the same tensors), so: LoadOptions::prediction (user override, like A1111's and
// ComfyUI's) > the yaml's `parameterization: "v"` > the file's `modelspec.prediction_type` metadata > a `v_pred`
// key (ComfyUI's marker) > ComfyUI's heuristic for SD2 (std of output_blocks.11.1...norm1.bias > 0.5 means v)
// > epsilon. Detection::prediction_source says which one decided.
#include "models/detect.h"
#include "models/student.h"
#include "nets/autoencoder_kl.h"
#include "nets/latent_preview.h"
#include "nets/stop_predictor.h"
#include "nets/taesd.h"
#include "nets/unet.h"
#include "text/clip_text_model.h"
#include "text/clip_tokenizer.h"
#include "text/token_encoder.h"

namespace ripen::lora {
struct MergeState;  // the LoRA networks merged into a model's weights (lora/apply.h)
}

namespace ripen::models {

// Which text-encoder output the UNet is conditioned on (the pipeline applies clip skip on top for SD1/SD2).
enum class TextConditioning {
  LastHidden,           // SD1 and SD2 (SD2's encoder is loaded without its last block, as diffusers ships it)
  PenultimateConcat,    // SDXL: hidden_states[-2] of both encoders, no final LN, concatenated [te1, te2]
};

struct LoadedModel {
  std::string path, name;
  std::string short_hash;  // AUTOMATIC1111 "Model hash": first 10 hex of sha256 (empty when not computed)
  std::string sha256;      // of what models/model_hash.h says the hash covers (cached across runs)
  Detection detection;
  Arch arch = Arch::SD1;
  Prediction prediction = Prediction::Epsilon;
  SchedulerInfo scheduler;
  TextConditioning conditioning = TextConditioning::LastHidden;
  bool force_zeros_for_empty_prompt = false;  // SDXL

  // A text::ClipTokenizer, or a text::SentencePiecePromptTokenizer for a SentencePiece tokenizer folder.
  std::shared_ptr<const text::TokenEncoder> tokenizer, tokenizer_2;
  std::optional<text::ClipTextModel> text_encoder, text_encoder_2;
  std::optional<UNet2DCondition> unet;
  std::optional<AutoencoderKL> vae;
  // Configs the components were built from (diffusers field names), for `ripen-cli info` and debugging.
  std::map<std::string, nlohmann::json> configs;
  // Every parameter of the UNet and text encoders by its diffusers key (component -> key -> the very tensor the
  // network holds, so a change through it is the network's own). Weight patches (core/lora) go through it.
  std::map<std::string, std::map<std::string, at::Tensor>> weights;
  // For weights converted at load (the file's dtype is not the run's): the file's tensor they came from, a view of
  // its mapping whose pages were handed back, so core/lora can re-make W₀ instead of keeping a copy of it.
  std::map<std::string, std::map<std::string, at::Tensor>> weight_sources;
  std::shared_ptr<lora::MergeState> networks;  // LoRA networks merged now (lora/apply.h); null: none ever
  // Components loaded from their own file instead of the model's (LoadOptions::unet_path/vae_path): name -> file.
  std::map<std::string, std::string> component_files;

  // Step previews (design.md, "Events"): the latent->RGB map every step and, when its weights sit beside the
  // model, a TAESD decoder every few steps. See preview_assets below for where they come from.
  LatentRgbFactors latent_rgb;
  std::string latent_rgb_source;  // the JSON file, or "sd1 defaults" / "sdxl defaults"
  std::optional<Taesd> taesd;     // used for its decoder
  std::string taesd_source;       // file(s) it was loaded from

  // The adaptive controller's trained predictor, from <folder>/predictor/ (folder models only); null: heuristic.
  std::shared_ptr<const StopPredictorNet> stop_predictor;
  std::string stop_predictor_source;

  // The Draft tier's latent-consistency student (models/student.h), from <folder>/student/ or
  // LoadOptions::student_path; absent: none. Its UNet is built on first use (pipeline/student_unet.h) and kept here.
  std::optional<StudentInfo> student_info;
  std::shared_ptr<const UNet2DCondition> student_unet;
};

// The preview factors of a model: `latent_rgb_factors.json` in its folder ({"factors": [[r, g, b] per latent
// channel], "bias": [r, g, b]}, RGB in [-1, 1], UNet-space latents — what core/training/export_model writes),
// else the architecture's table (SD1/SD2 share one, SDXL). `channels` (> 0) must match the file's rows.
// Throws ripen::Error naming the file when it is malformed.
LatentRgbFactors model_latent_rgb_factors(const std::string& model_path, Arch arch, int64_t channels,
                                          std::string* source = nullptr);

// TAESD decoder weights beside a model, first match wins (empty when none):
//   folder model: <folder>/taesd/ or <folder>/vae_approx/ holding a diffusers AutoencoderTiny
//                 (config.json + diffusion_pytorch_model.safetensors) or an original taesd[xl]_decoder.safetensors;
//   single file:  <dir>/vae_approx/taesd_decoder.safetensors (taesdxl_ for SDXL; ComfyUI's place and names).
std::vector<std::string> find_taesd(const std::string& model_path, Arch arch);
// Loads the decoder of `paths` (load_taesd) and checks its latent channels; throws ripen::Error naming the files.
Taesd load_taesd_decoder(const std::vector<std::string>& paths, int64_t channels, at::TensorOptions options);

LoadedModel load_model(const std::string& path, const LoadOptions& options = {});

// "embedded" -> the built-in model's folder: $RIPEN_EMBEDDED_MODEL, else ripen-emoji under the install prefix's
// share/ripen/models (also found from the executable's ../share), else resources/models/ripen-emoji in the
// source tree. Any other string is returned unchanged. Throws ripen::Error naming the places searched.
std::string resolve_model_path(const std::string& model);
}  // namespace ripen::models
