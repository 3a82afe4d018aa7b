#include "models/catalogue_probe.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <optional>

#include "models/detect.h"
#include "tensors/safetensors.h"

namespace ripen::models {

namespace {

std::optional<SafeTensors> open_header(CatalogueEntry& e) {
  try {
    return SafeTensors::open(e.path);
  } catch (const std::exception& ex) {
    e.problem = ex.what();
    return std::nullopt;
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

// The prefix every UNet key carries in this file ("model.diffusion_model." for LDM checkpoints and most ComfyUI
// diffusion_models files, "" for diffusers and bare LDM files), or nullopt when none looks like a UNet.
std::optional<std::string> unet_prefix(const SafeTensors& st) {
  for (const char* p : {"model.diffusion_model.", ""})
    for (const char* first : {"input_blocks.0.0.weight", "conv_in.weight"})
      if (st.contains(std::string(p) + first)) return std::string(p);
  return std::nullopt;
}

// Transformers that are not SD UNets, told by a key ComfyUI's own detection uses.
struct Foreign {
  const char* key_part;
  const char* name;
};
constexpr Foreign kForeign[] = {{"double_blocks.", "a Flux transformer"},
                                {"joint_blocks.", "an SD3 transformer"},
                                {"transformer_blocks.0.attn.add_q_proj", "an MMDiT transformer (SD3/Flux, diffusers)"}};

// attn2.to_k's input width is the text encoder's hidden size.
struct ContextWidth {
  int64_t width;
  const char* arch;
};
constexpr ContextWidth kContextWidths[] = {{768, "sd1"}, {1024, "sd2"}, {2048, "sdxl"}};

}  // namespace

void probe_checkpoint(CatalogueEntry& e) {
  LoadOptions o;
  o.compute_hash = false;
  try {
    const ModelInfo info = inspect_model(e.path, o);
    e.arch = arch_name(info.detection.arch);
    e.detail = "prediction " + prediction_name(info.detection.prediction) + " (" + info.detection.prediction_source + ")";
    return;
  } catch (const std::exception& ex) {
    e.problem = ex.what();
  }
  // A UNet-only file among the checkpoints (SDXL-Lightning's, in models/Stable-diffusion) is a common mix-up.
  if (e.path.ends_with(".safetensors") && !e.problem.empty()) {
    CatalogueEntry as_unet = e;
    as_unet.problem.clear();
    probe_unet(as_unet);
    if (as_unet.problem.empty()) {
      e.arch = as_unet.arch;
      e.detail = as_unet.detail;
      e.problem = e.path + ": a UNet-only file, not a checkpoint: pick it as the UNet beside a checkpoint (--unet), "
                           "or keep it in models/unet";
      return;
    }
  }
  try {  // the architecture may still be clear when the weights do not fit it
    e.arch = arch_name(detect_architecture(e.path).arch);
  } catch (const std::exception&) {
  }
}

void probe_unet(CatalogueEntry& e) {
  auto st = open_header(e);
  if (!st) return;
  for (const auto& t : st->tensors())
    for (const Foreign& f : kForeign)
      if (t.name.find(f.key_part) != std::string::npos) {
        e.detail = f.name;
        e.problem = e.path + ": holds " + std::string(f.name) + " (key '" + t.name + "'), not a Stable Diffusion UNet";
        return;
      }
  const auto prefix = unet_prefix(*st);
  if (!prefix) {
    e.problem = e.path + ": no UNet weights (neither 'model.diffusion_model.input_blocks.0.0.weight', "
                         "'input_blocks.0.0.weight' nor 'conv_in.weight')";
    return;
  }
  e.detail = prefix->empty() ? (st->contains("conv_in.weight") ? "diffusers keys" : "LDM keys") : "LDM keys";
  for (const char* k : {"label_emb.0.0.weight", "add_embedding.linear_1.weight"})
    if (st->contains(*prefix + k)) {
      e.arch = "sdxl";
      e.detail += ", " + std::string(k).substr(0, std::string(k).find('.')) + " (size conditioning)";
      return;
    }
  for (const auto& t : st->tensors()) {
    if (t.name.find("attn2.to_k.weight") == std::string::npos || t.shape.size() != 2) continue;
    const int64_t w = t.shape[1];
    e.detail += ", cross-attention width " + std::to_string(w);
    for (const ContextWidth& c : kContextWidths)
      if (c.width == w) e.arch = c.arch;
    return;
  }
  e.detail += ", no cross-attention";
}

void probe_vae(CatalogueEntry& e) {
  auto st = open_header(e);
  if (!st) return;
  for (const char* p : {"", "first_stage_model.", "vae."}) {
    const std::string key = std::string(p) + "decoder.conv_in.weight";
    if (!st->contains(key)) continue;
    const auto& shape = st->info(key).shape;
    const int64_t channels = shape.size() == 4 ? shape[1] : -1;
    e.detail = std::to_string(channels) + " latent channels";
    if (channels == 4) e.arch = "sd1/sd2/sdxl";
    else e.problem = e.path + ": key '" + key + "': a VAE for " + std::to_string(channels) +
                     "-channel latents (SD3/Flux); Stable Diffusion 1.x/2.x/XL use 4";
    return;
  }
  e.problem = e.path + ": no VAE decoder (no 'decoder.conv_in.weight')";
}

void probe_preview_decoder(CatalogueEntry& e) {
  auto st = open_header(e);
  if (!st) return;
  // diffusers AutoencoderTiny, or the original part files (the decoder's first conv is "1.weight", its layer 0 the
  // clamp; the encoder starts at "0.weight").
  std::string key;
  if (st->contains("decoder.layers.0.weight")) key = "decoder.layers.0.weight";
  else if (st->contains("1.weight") && !st->contains("0.weight")) key = "1.weight";
  if (key.empty()) {
    e.problem = st->contains("0.weight") || st->contains("encoder.layers.0.weight")
                    ? e.path + ": a TAESD encoder only; previews need the decoder (taesd_decoder.safetensors)"
                    : e.path + ": not a TAESD file (no 'decoder.layers.0.weight' or '1.weight')";
    return;
  }
  const auto& shape = st->info(key).shape;
  const int64_t channels = shape.size() == 4 ? shape[1] : -1;
  if (channels != 4) {
    e.problem = e.path + ": key '" + key + "': a TAESD for " + std::to_string(channels) +
                "-channel latents (SD3/Flux); Stable Diffusion 1.x/2.x/XL use 4";
    return;
  }
  // taesd and taesdxl have the same shapes: only the name tells them apart (as find_taesd does).
  const std::string n = lower(e.name);
  e.arch = n.find("taesdxl") != std::string::npos ? "sdxl" : n.find("taesd") != std::string::npos ? "sd1/sd2" : "";
  e.detail = key == "1.weight" ? "TAESD decoder" : "AutoencoderTiny (diffusers)";
}

void probe_header_only(CatalogueEntry& e) {
  if (auto st = open_header(e)) e.detail = std::to_string(st->tensors().size()) + " tensors";
}

}  // namespace ripen::models
