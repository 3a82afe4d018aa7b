#pragma once
// Model presets: the settings a family of few-step models needs (SDXL-Lightning, LCM, Turbo, Hyper-SD), as JSON
// files users can add to. Applying one fills a custom request (sampler, schedule, steps, CFG, size, adaptive
// stopping); the built-in presets (Preset: fast, quality, lightning, custom) stay code because their plans are.
//
// A file holds one preset object; every key but name, sampler, schedule and steps is optional:
//   {"name": "sdxl-lightning-4step", "label": "SDXL-Lightning 4-step", "description": "...",
//    "architectures": ["sdxl"], "sampler": "euler", "schedule": "sgm_uniform", "steps": 4, "cfg": 1.0,
//    "size": [1024, 1024], "adaptive": true, "match": ["sdxl_lightning_4step"]}
// `match`: case-insensitive substrings of a model's file name or of its safetensors metadata values that
// identify the family, so the studio can propose the preset. `adaptive`: stop early at a checkpoint when the
// image has settled (an 8-step model that converged at 4), finishing with one step of the preset's sampler.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/request.h"

namespace ripen {

struct ModelPreset {
  std::string name, label, description;
  std::vector<std::string> architectures;  // "sd1", "sd2", "sdxl"; empty: any
  std::string sampler, schedule;
  int steps = 0;
  double cfg = 1.0;
  int width = 0, height = 0;  // 0: the model's own size
  bool adaptive = false;
  std::vector<std::string> match;
  std::filesystem::path file;  // where it was read from

  // The request with this preset's settings (preset = custom); the caller's prompt, seed, batch and model stay.
  GenerationRequest applied_to(GenerationRequest request) const;
};

// Parses one preset; throws ripen::Error naming `origin` and the key (unknown keys included).
ModelPreset parse_model_preset(const nlohmann::json& j, const std::filesystem::path& origin);

struct ModelPresetCatalog {
  std::vector<ModelPreset> presets;   // by name; a later folder's preset replaces an earlier one of that name
  std::vector<std::string> problems;  // files that could not be read, each message naming the file and key
  const ModelPreset* find(const std::string& name) const;
  // The preset whose `match` hits the model's file name or one of its metadata values (first in name order).
  const ModelPreset* proposed_for(const std::filesystem::path& model_file,
                                  const std::map<std::string, std::string>& metadata = {}) const;
};

// Every *.json in `dirs`, in order; a bad file goes to problems and the others still load.
ModelPresetCatalog load_model_presets(const std::vector<std::filesystem::path>& dirs);
// The shipped presets (installed share/ripen/presets, else the source tree's resources/presets), then
// $XDG_CONFIG_HOME/ripen/presets (~/.config/ripen/presets), then each folder of $RIPEN_PRESETS_DIR (':'-separated).
std::vector<std::filesystem::path> model_preset_dirs();

}  // namespace ripen
