#pragma once
// Internal: configs read off the stored shapes of LDM-named weights (`model.diffusion_model.*`,
// `first_stage_model.*`), shared by single-file checkpoints (source.cpp) and lone UNet/VAE files (unet_file.cpp),
// which are renamed to that layout for the purpose.
#include <nlohmann/json.hpp>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "models/detect.h"
#include "models/key_table.h"
#include "models/ldm_yaml.h"
#include "nets/unet_config.h"

namespace ripen {
class SafeTensors;
}

namespace ripen::models {

struct Shapes {
  std::string path;                                    // for error messages
  std::map<std::string, std::vector<int64_t>> shapes;  // LDM key -> shape
  static Shapes of_file(const SafeTensors& st);
  bool contains(const std::string& key) const { return shapes.count(key) > 0; }
  std::vector<int64_t> of(const std::string& key) const;  // throws naming the file and key
  int64_t dim(const std::string& key, size_t d) const;
};

// Largest `N + 1` over keys `prefix N.` (0 when none).
int count_indices(const std::set<std::string>& keys, const std::string& prefix);

// `keys` are the LDM names; `pooled_dim` is the pooled text width SDXL's added condition starts with.
UNetConfig unet_config_from_shapes(const Shapes& sh, const std::set<std::string>& keys, const UNetTopology& t, Arch arch,
                                   const std::optional<LdmYaml>& yaml, int64_t pooled_dim);
nlohmann::json vae_config_from_shapes(const Shapes& sh, const VaeTopology& t, Arch arch, const std::optional<LdmYaml>& yaml);

// A diffusers component folder's .safetensors file(s): plain, fp16 variant, or sharded (index.json).
std::vector<std::string> component_weights(const std::filesystem::path& dir, const std::string& stem);
// Old diffusers VAE checkpoints name the mid-block attention query/key/value/proj_attn.
std::string modern_vae_key(const std::string& k);

}  // namespace ripen::models
