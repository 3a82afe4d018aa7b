#include "models/ldm_export.h"

#include <array>
#include <set>

#include "models/key_table.h"
#include "tensors/error.h"

namespace ripen::models {

std::map<std::string, at::Tensor> to_ldm_checkpoint(Arch arch, const ComponentWeights& components) {
  auto keys_of = [&](const std::string& c) {
    std::set<std::string> keys;
    if (auto it = components.find(c); it != components.end())
      for (const auto& [k, v] : it->second) keys.insert(k);
    return keys;
  };
  auto count_layers = [&](const std::string& c) {
    int n = 0;
    while (keys_of(c).count("text_model.encoder.layers." + std::to_string(n) + ".layer_norm1.weight")) ++n;
    return n;
  };
  KeyTable table;
  if (components.count("unet")) table.add_unet(UNetTopology::from_diffusers_keys(keys_of("unet")));
  if (components.count("vae")) table.add_vae(VaeTopology::from_diffusers_keys(keys_of("vae")));
  if (arch == Arch::SD1) {
    table.add_text({TextLayout::HfClip, "cond_stage_model.transformer.text_model.", 0, 0, false}, "text_encoder");
  } else if (arch == Arch::SD2) {
    int n = count_layers("text_encoder");
    table.add_text({TextLayout::OpenClip, "cond_stage_model.model.", n, n, false}, "text_encoder");
  } else {
    int n = count_layers("text_encoder_2");
    table.add_text({TextLayout::HfClip, "conditioner.embedders.0.transformer.text_model.", 0, 0, false}, "text_encoder");
    table.add_text({TextLayout::OpenClip, "conditioner.embedders.1.model.", n, n, true}, "text_encoder_2");
  }

  std::map<std::string, at::Tensor> out;
  std::map<std::string, std::array<at::Tensor, 3>> fused;
  for (const auto& [comp, tensors] : components) {
    for (const auto& [k, t] : tensors) {
      if (k.find("position_ids") != std::string::npos) continue;
      auto m = table.to_ldm(comp, k);
      if (!m) throw Error(comp + ": key '" + k + "' has no LDM equivalent");
      at::Tensor v = t;
      if (m->transform == Transform::Chunk3) {
        fused[m->key][m->chunk] = v;
        continue;
      }
      if (m->transform == Transform::Transpose) v = v.t().contiguous();
      // LDM stores the VAE's mid attention projections as 1x1 convolutions.
      if (comp == "vae" && k.find("mid_block.attentions.0.to_") != std::string::npos && v.dim() == 2) v = v.reshape({v.size(0), v.size(1), 1, 1});
      out[m->key] = v;
    }
  }
  for (const auto& [k, parts] : fused) {
    for (const auto& p : parts)
      if (!p.defined()) throw Error("'" + k + "': q, k and v projections are not all present");
    out[k] = at::cat({parts[0], parts[1], parts[2]}, 0);
  }
  return out;
}

}  // namespace ripen::models
