#pragma once
// Key mapping between the original LDM single-file layout (what AUTOMATIC1111, ComfyUI and Civitai use) and the
// diffusers/transformers layout our networks are declared in. The table is GENERATED from the topology
// (levels, resnets per level, which levels have attention), never written per key, so it covers any UNet/VAE
// shape (the oracle's 2-level tiny UNet as well as SD1/SD2's 4 levels and SDXL's 3).
//
// A rule maps a module prefix: `input_blocks.4.1` <-> `down_blocks.1.attentions.0`; the part after the prefix
// is renamed by the rule's Part (resnet/attention sub-names differ between layouts) and may need a tensor
// transform (OpenCLIP's fused q/k/v is split, its text_projection transposed).
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ripen::models {

enum class Part {
  Plain,         // remainder unchanged (transformer blocks, convs, norms, HF CLIP layers)
  Exact,         // the LDM key itself is a tensor: ldm <-> diffusers, no remainder
  UNetResnet,    // in_layers.0 -> norm1, in_layers.2 -> conv1, emb_layers.1 -> time_emb_proj, out_layers.{0,3} -> norm2/conv2, skip_connection -> conv_shortcut
  VaeResnet,     // nin_shortcut -> conv_shortcut
  VaeAttention,  // norm -> group_norm, q/k/v -> to_q/to_k/to_v, proj_out -> to_out.0 (1x1 conv <-> linear: reshaped by ParamStore)
  OpenClipBlock, // ln_1/ln_2 -> layer_norm1/2, attn.in_proj_{weight,bias} -> self_attn.{q,k,v}_proj (split), attn.out_proj -> self_attn.out_proj, mlp.c_fc/c_proj -> mlp.fc1/fc2
};

enum class Transform {
  None,
  Transpose,  // OpenCLIP text_projection [width, proj] is used as x @ P; HF Linear stores P^T
  Chunk3,     // fused in_proj: take chunk `chunk` of 3 along dim 0 (q, k, v)
};

struct KeyRule {
  std::string ldm;        // full LDM prefix, e.g. "model.diffusion_model.input_blocks.1.0"
  std::string component;  // "unet", "vae", "text_encoder", "text_encoder_2"
  std::string diffusers;  // prefix inside the component, e.g. "down_blocks.0.resnets.0"
  Part part = Part::Plain;
  Transform transform = Transform::None;  // only for Exact rules
};

// One diffusers tensor produced from an LDM tensor.
struct MappedKey {
  std::string component;
  std::string key;
  Transform transform = Transform::None;
  int chunk = 0;  // for Chunk3
};

// UNet topology as the key layout sees it.
struct UNetTopology {
  int levels = 0;                 // len(block_out_channels)
  int layers_per_block = 0;       // resnets per down level (up levels have one more)
  std::vector<bool> down_attn;    // per down level (index = level)
  std::vector<bool> up_attn;      // per up block (index 0 = lowest resolution)
  bool mid_attn = true;
  bool has_mid = true;
  bool add_embedding = false;     // SDXL label_emb / add_embedding

  static UNetTopology from_ldm_keys(const std::set<std::string>& keys, const std::string& prefix = "model.diffusion_model.");
  static UNetTopology from_diffusers_keys(const std::set<std::string>& keys, const std::string& prefix = "");
};

struct VaeTopology {
  int levels = 0;
  int layers_per_block = 0;  // encoder resnets per level (decoder has one more)
  bool mid_attn = true;
  static VaeTopology from_ldm_keys(const std::set<std::string>& keys, const std::string& prefix = "first_stage_model.");
  static VaeTopology from_diffusers_keys(const std::set<std::string>& keys, const std::string& prefix = "");
};

enum class TextLayout { None, HfClip, OpenClip };

struct TextTopology {
  TextLayout layout = TextLayout::None;
  std::string ldm_prefix;  // e.g. "cond_stage_model.transformer.text_model." or "cond_stage_model.model."
  int layers = 0;          // OpenCLIP: resblocks in the file
  int keep_layers = 0;     // OpenCLIP: resblocks mapped (SD2 drops the last one, as diffusers does)
  bool projection = false; // map text_projection (SDXL's second encoder)
};

class KeyTable {
 public:
  void add(KeyRule rule);
  void add_unet(const UNetTopology& t, const std::string& ldm_prefix = "model.diffusion_model.");
  void add_vae(const VaeTopology& t, const std::string& ldm_prefix = "first_stage_model.");
  void add_text(const TextTopology& t, const std::string& component);

  // LDM key -> diffusers tensors (empty when no rule covers the key).
  std::vector<MappedKey> to_diffusers(const std::string& ldm_key) const;
  // (component, diffusers key) -> LDM key (+ the transform that produced the diffusers tensor from it).
  std::optional<MappedKey> to_ldm(const std::string& component, const std::string& diffusers_key) const;

  const std::vector<KeyRule>& rules() const { return rules_; }

 private:
  std::vector<KeyRule> rules_;
  mutable bool indexed_ = false;
  mutable std::map<std::string, size_t> ldm_index_, diffusers_index_;  // prefix -> rule ("component:prefix" for diffusers)
  void build_index() const;
};

// Sub-name renames per Part, LDM side first. Shared by both directions.
const std::vector<std::pair<std::string, std::string>>& part_renames(Part part);

}  // namespace ripen::models
