#pragma once
// What a user's AUTOMATIC1111 or ComfyUI install holds, by kind, from file headers only (no weights, no hashing):
// checkpoints with their architecture and, when Ripen cannot use one, the reason (inspect_model's refusal);
// UNet-only files and VAEs with the architecture their key names and shapes tell; TAESD preview decoders;
// LoRA and embedding files. Never throws: a missing folder, an unreadable file, a symlink loop or a bad
// extra_model_paths.yaml is a problem message, and everything else still lists.
#include <cstdint>
#include <string>
#include <vector>

namespace ripen::models {

enum class ModelKind { Checkpoint, Unet, Vae, PreviewDecoder, Lora, Embedding };
inline constexpr ModelKind kAllModelKinds[] = {ModelKind::Checkpoint, ModelKind::Unet,  ModelKind::Vae,
                                               ModelKind::PreviewDecoder, ModelKind::Lora, ModelKind::Embedding};
std::string kind_name(ModelKind k);  // "checkpoint", "unet", "vae", "vae_approx", "lora", "embedding"

struct CatalogueEntry {
  ModelKind kind = ModelKind::Checkpoint;
  std::string path;     // the file, or the diffusers folder
  std::string name;     // relative to the folder it was found in: "SDXL/juggernaut.safetensors"
  std::string folder;   // that folder
  std::string format;   // "safetensors", "diffusers", "pickle", "gguf"
  std::string arch;     // the architectures it fits: "sd1", "sd2", "sdxl"; "sd1/sd2" (taesd), "sd1/sd2/sdxl" (a VAE);
                        // empty when the headers don't say
  std::string detail;   // what told the architecture, or what the file holds: "label_emb keys", "cross-attention 768"
  std::string problem;  // why Ripen cannot use it ("not loadable: pickle ..."); empty when it can
  int64_t bytes = 0;    // file size; a folder's is 0
  bool usable() const { return problem.empty(); }
};

struct CatalogueRoots {
  std::vector<std::string> installs;           // AUTOMATIC1111 or ComfyUI install folders (holding models/)
  std::vector<std::string> extra_model_paths;  // ComfyUI extra_model_paths.yaml files
  std::vector<std::string> checkpoint_folders; // plain folders of checkpoints (or a model itself)
};

struct Catalogue {
  std::vector<CatalogueEntry> entries;  // by kind, then folder order, then name; each path once per kind
  std::vector<std::string> problems;    // about the roots themselves, each naming the file or folder
  std::vector<CatalogueEntry> of(ModelKind k) const;
};

// The folders of an install, by kind: A1111 (models/Stable-diffusion, models/VAE, models/VAE-approx, models/Lora,
// models/LyCORIS, embeddings) and ComfyUI (models/checkpoints, models/unet, models/diffusion_models, models/vae,
// models/vae_approx, models/loras, models/embeddings). Only those that exist.
std::vector<std::pair<ModelKind, std::string>> install_folders(const std::string& install);
// ComfyUI's kind keys that Ripen uses ("checkpoints", "unet", "diffusion_models", "vae", "vae_approx", "loras",
// "embeddings"); false for the others (controlnet, clip, upscale_models, ...).
bool kind_from_comfy_key(const std::string& key, ModelKind& kind);

Catalogue scan_catalogue(const CatalogueRoots& roots);
// The existing folders of one kind under the installs and extra_model_paths.yaml files, in scan order; problems
// (missing installs, bad YAML lines) are appended when asked for.
std::vector<std::string> kind_folders(const CatalogueRoots& roots, ModelKind kind,
                                      std::vector<std::string>* problems = nullptr);
// What scan_catalogue lists of one kind below these folders (a missing folder is a problem).
Catalogue scan_kind(ModelKind kind, const std::vector<std::string>& folders);

}  // namespace ripen::models
