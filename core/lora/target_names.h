#pragma once
// The names LoRA files give a model's weights, formed from the LOADED model's own parameters (the robust way
// A1111 and ComfyUI both resolve them): for every 2-D/4-D weight of the UNet and text encoders, every spelling
// a network file may use for it —
//   kohya / A1111   lora_unet_<diffusers path, '.' -> '_'> and, for the UNet, lora_unet_<LDM/sgm path> (SDXL
//                   files: input_blocks_4_1_…, in_layers_2, out_layers_3, emb_layers_1, skip_connection, 0_op);
//                   lora_te_ / lora_te1_ (text_encoder), lora_te2_ (text_encoder_2)
//   PEFT            unet.<path>, text_encoder.<path>, text_encoder_2.<path>; peft's own save_pretrained:
//                   base_model.model.<path> (the UNet's, or the first text encoder's)
//   older diffusers unet.<attn>.processor.to_q_lora (to_k, to_v, to_out), unet.<path>.lora,
//                   text_encoder.<path>.lora_linear_layer, text_encoder.<layer>.self_attn.to_q_lora (to_k, to_v,
//                   to_out); UNet names also without `unet.`
// — is a key of one map. A file's names are looked up there; they are never split back at underscores.
#include <string>
#include <unordered_map>

#include "models/model.h"

namespace ripen::lora {

struct Target {
  std::string component;  // unet, text_encoder, text_encoder_2
  std::string key;        // the diffusers weight key inside it (…to_q.weight)
};

class TargetNames {
 public:
  static TargetNames of(const models::LoadedModel& model);
  const Target* find(const std::string& name) const;
  size_t size() const { return names_.size(); }

 private:
  std::unordered_map<std::string, Target> names_;
};

// The component a file's module name addresses, by its prefix; "" when the prefix is none of the above.
std::string component_of(const std::string& module_name);

}  // namespace ripen::lora
