#pragma once
// The configuration of a UNet2DConditionModel, read from diffusers' unet/config.json or taken from a named preset
// (the real SD 1.5 / SD 2.1 / SDXL base shapes, for single-file checkpoints and benchmarks).
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace ripen {

struct UNetConfig {
  int64_t in_channels = 4, out_channels = 4;
  std::vector<int64_t> block_out_channels{320, 640, 1280, 1280};
  std::vector<int64_t> layers_per_block{2, 2, 2, 2};  // per level
  std::vector<std::string> down_block_types{"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                                            "DownBlock2D"};
  std::vector<std::string> up_block_types{"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                                          "CrossAttnUpBlock2D"};
  std::string mid_block_type = "UNetMidBlock2DCrossAttn";  // or "" (no mid block)
  // Attention HEADS per down level (diffusers' `attention_head_dim` counts heads for SD1/SD2/SDXL; see from_json).
  std::vector<int64_t> num_attention_heads{8, 8, 8, 8};
  std::vector<int64_t> transformer_layers_per_block{1, 1, 1, 1};  // per down level
  // Per up block (in up order); empty = reversed transformer_layers_per_block.
  std::vector<int64_t> reverse_transformer_layers_per_block;
  int64_t cross_attention_dim = 768;
  bool use_linear_projection = false;
  bool upcast_attention = false;
  int64_t norm_num_groups = 32;
  double norm_eps = 1e-5;
  bool flip_sin_to_cos = true;
  double freq_shift = 0;
  int64_t time_embedding_dim = 0;  // 0: 4 * block_out_channels[0]
  int64_t downsample_padding = 1;
  int64_t mid_block_layers = 1;
  // SDXL: "text_time" (pooled text embedding + embedded time_ids added to the time embedding), or "".
  std::string addition_embed_type;
  int64_t addition_time_embed_dim = 0;
  int64_t projection_class_embeddings_input_dim = 0;
  // LCM: the width of the guidance embedding (timestep_cond) that time_embedding.cond_proj adds to the timestep
  // projection; 0 = none.
  int64_t time_cond_proj_dim = 0;
  int64_t sample_size = 64;
  // Not part of diffusers' unet config (it lives in the scheduler config); the presets fill it for convenience.
  std::string prediction_type = "epsilon";

  int64_t levels() const { return static_cast<int64_t>(block_out_channels.size()); }
  int64_t time_embed_dim() const { return time_embedding_dim > 0 ? time_embedding_dim : 4 * block_out_channels[0]; }
  bool has_text_time() const { return addition_embed_type == "text_time"; }
  bool has_time_cond() const { return time_cond_proj_dim > 0; }

  // Parses diffusers' config.json. Unsupported features (class embeddings, other attention or time-embedding
  // types, ...) are rejected with an Error naming the field; `origin` names the file in messages.
  static UNetConfig from_json(const nlohmann::json& j, const std::string& origin = "unet/config.json");
  static UNetConfig from_file(const std::string& path);
  nlohmann::json to_json() const;  // diffusers field names

  static UNetConfig sd15();
  static UNetConfig sd21();  // SD 2.1 768-v (v-prediction, linear projections, heads 5/10/20/20, upcast attention)
  static UNetConfig sdxl();  // SDXL base 1.0
  // "sd15" | "sd21" | "sdxl"; throws Error otherwise.
  static UNetConfig preset(const std::string& name);

  // Throws Error when lists have the wrong length or channels don't divide into groups/heads.
  void validate(const std::string& origin = "unet config") const;
};

}  // namespace ripen
