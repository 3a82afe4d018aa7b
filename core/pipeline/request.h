#pragma once
// What the user asked for and what came back, in plain data (no libtorch), so the seed library, image
// export and the GUI share one definition with the engine. Serialised as JSON for the library and PNG metadata.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sampling/noise_source.h"
#include "pipeline/image_input.h"
#include "pipeline/plan.h"

namespace ripen {

// Draft: the model's distilled latent-consistency student (models/student.h) in 1-8 steps, one UNet call each.
enum class Preset { Fast, Quality, Lightning, Draft, Custom };
using sampling::NoiseSource;  // the one definition, with its names (to_string, noise_source_from_string)
enum class PromoteMode { None, Continue, Rerender, Polish };
// How the 2x hires pass enlarges the base result: Image = VAE-decode, Lanczos-3 resize, VAE-encode (the
// encoder's mean); Latent = bilinear interpolation of the latent (AUTOMATIC1111's "Latent" upscaler), which
// smears the latent's fine structure and so needs a higher hires_strength (about 0.55-0.7) to re-draw detail.
enum class HiresUpscale { Image, Latent };

std::string to_string(Preset p);
std::string to_string(PromoteMode m);
std::string to_string(HiresUpscale u);
Preset preset_from_string(const std::string& s);          // throws ripen::Error on unknown names
PromoteMode promote_mode_from_string(const std::string& s);
HiresUpscale hires_upscale_from_string(const std::string& s);  // "image" | "latent"

// A LoRA / LyCORIS network merged into the model's weights for one generation (core/lora): written in the prompt
// as <lora:NAME:TE[:UNET]> (AUTOMATIC1111's syntax) or given as `--lora FILE[:TE[:UNET]]`.
struct NetworkRef {
  std::string name;   // the prompt's NAME, or the file's stem
  std::string path;   // the file; empty: NAME is looked up in the LoRA folders
  double te = 1.0;    // text-encoder multiplier
  double unet = 1.0;  // UNet multiplier
  std::string hash;   // AUTOMATIC1111's short hash of the file (infotext "Lora hashes"); empty until resolved
  nlohmann::json to_json() const;
  static NetworkRef from_json(const nlohmann::json& j);
  bool operator==(const NetworkRef&) const = default;
};

struct GenerationRequest {
  std::string model = "embedded";  // a path, or "embedded" for the built-in default model
  std::string unet, vae;           // UNet-only / VAE file replacing the model's own (empty: the model's; LoadOptions)
  std::string prompt;
  std::string negative_prompt;
  uint64_t seed = 0;
  int batch = 1;                   // image i uses seed + i
  int width = 512, height = 512;   // multiples of 8
  Preset preset = Preset::Fast;
  // Sampler settings; presets fill these in, Custom takes them as given.
  std::string sampler = "euler";   // a name of the sampler registry (sampling/registry_names.h)
  std::string schedule = "karras"; // a name of the schedule registry
  int steps = 20;
  double cfg = 7.0;
  std::vector<double> cfg_schedule;  // optional per-step guidance (overrides cfg when not empty)
  int clip_skip = 1;                 // 1 = last layer; 2 = penultimate (AUTOMATIC1111's "Clip skip")
  NoiseSource noise = NoiseSource::Cpu;
  double eta = 1.0;                  // ancestral/SDE noise amount
  double s_noise = 1.0;
  std::string solver_type = "midpoint";  // dpmpp_2m_sde
  bool adaptive = false;             // custom: stop at a checkpoint once the image has settled (few-step models)
  std::string model_preset;          // the model preset (model_presets.h) these settings came from, if any
  std::vector<NetworkRef> networks;  // LoRAs besides those written in the prompt, in order of application
  // Quality (and custom) mode's optional 2x hires pass ("hires fix"): upscale the base result 2x, re-noise it
  // to the σ at hires_strength of the way down the schedule, then hires_steps steps to σ = 0.
  bool hires = false;
  double hires_strength = 0.45;
  int hires_steps = 20;
  HiresUpscale hires_upscale = HiresUpscale::Image;
  // Promotion / polish of an earlier generation.
  PromoteMode promote = PromoteMode::None;
  std::optional<int64_t> parent_id;  // library row of the parent
  double polish_sigma = 0.0;         // σ_r for PromoteMode::Polish (0: from polish_strength)
  double polish_strength = 0.45;     // polish re-noises to the quality schedule's σ this far from its end
  // Start from a picture (img2img / inpaint / outpaint, image_input.h); absent: from noise (text-to-image).
  std::optional<ImageInput> image;

  nlohmann::json to_json() const;
  static GenerationRequest from_json(const nlohmann::json& j);  // throws ripen::Error on bad fields
  bool operator==(const GenerationRequest&) const = default;
};

// An 8-bit RGB image, row-major, 3 channels.
struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
  bool empty() const { return rgb.empty(); }
};

// What happened while generating, beside the pixels.
struct GenerationRecord {
  int steps_used = 0;
  int steps_planned = 0;
  int unet_evals = 0;
  std::string stop_reason;          // adaptive controller's reason ("converged at step 12", "max steps", ...)
  std::string model_name;
  std::string model_hash;           // AUTOMATIC1111-style short hash (first 10 hex of sha256)
  double seconds_total = 0, seconds_text = 0, seconds_sampling = 0, seconds_decode = 0;
  // The 2x hires pass, when it ran: steps_used/unet_evals/seconds_sampling include it; hires_steps of the
  // steps were the pass's, from σ = hires_sigma. seconds_upscale: base decode + resize + encode (image mode) or
  // the latent interpolation; seconds_hires: the pass's sampling (part of seconds_sampling).
  bool hires = false;
  int hires_steps = 0;
  double hires_sigma = 0;
  double seconds_upscale = 0, seconds_hires = 0;
  // The resolved plan that ran (the preset's plan for the request, or the one the caller handed in); with
  // steps_used it says which sampler and guidance ran each step (ran_segments). Absent in records read from files
  // that carry none (other tools' images, Ripen images older than this field).
  std::optional<SamplingPlan> plan;
  // The networks merged for this run, resolved: the prompt's <lora:...> tags, then GenerationRequest::networks, each
  // with its file and A1111 hash (the infotext's "Lora hashes"; re-rendering a seed finds the same files by them).
  std::vector<NetworkRef> networks;
  int base_steps_used() const { return steps_used - (hires ? hires_steps : 0); }  // less the 2x pass's
  nlohmann::json to_json() const;
  static GenerationRecord from_json(const nlohmann::json& j);
};

}  // namespace ripen
