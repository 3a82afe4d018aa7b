#include "nets/unet_config.h"

#include <nlohmann/json.hpp>

#include "tensors/error.h"
#include "tensors/json_file.h"

namespace ripen {

namespace {

using nlohmann::json;

bool present(const json& j, const char* name) { return j.contains(name) && !j.at(name).is_null(); }

// An int or a list of ints -> one value per level.
std::vector<int64_t> per_level(const json& v, int64_t levels, const std::string& field, const std::string& origin) {
  if (v.is_number_integer()) return std::vector<int64_t>(levels, v.get<int64_t>());
  if (v.is_array()) {
    std::vector<int64_t> out;
    for (const auto& e : v) {
      if (!e.is_number_integer())
        throw Error(origin + ": '" + field + "' must hold integers (nested per-layer lists are not supported)");
      out.push_back(e.get<int64_t>());
    }
    if (static_cast<int64_t>(out.size()) != levels)
      throw Error(origin + ": '" + field + "' has " + std::to_string(out.size()) + " entries, expected " +
                  std::to_string(levels) + " (one per block)");
    return out;
  }
  throw Error(origin + ": '" + field + "' must be an integer or a list of integers");
}

void reject_unless(const json& j, const char* field, const json& allowed, const std::string& origin) {
  if (!j.contains(field)) return;
  const auto& v = j.at(field);
  if (v.is_null() || v == allowed) return;
  throw Error(origin + ": unsupported UNet feature '" + std::string(field) + "' = " + v.dump());
}

}  // namespace

UNetConfig UNetConfig::from_json(const json& j, const std::string& origin) {
  UNetConfig c;
  try {
    reject_unless(j, "class_embed_type", nullptr, origin);
    reject_unless(j, "num_class_embeds", nullptr, origin);
    reject_unless(j, "encoder_hid_dim", nullptr, origin);
    reject_unless(j, "encoder_hid_dim_type", nullptr, origin);
    reject_unless(j, "attention_type", "default", origin);
    reject_unless(j, "time_embedding_type", "positional", origin);
    reject_unless(j, "resnet_time_scale_shift", "default", origin);
    reject_unless(j, "act_fn", "silu", origin);
    reject_unless(j, "dual_cross_attention", false, origin);
    reject_unless(j, "only_cross_attention", false, origin);
    reject_unless(j, "center_input_sample", false, origin);
    reject_unless(j, "conv_in_kernel", 3, origin);
    reject_unless(j, "conv_out_kernel", 3, origin);
    reject_unless(j, "mid_block_scale_factor", 1, origin);
    reject_unless(j, "resnet_out_scale_factor", 1.0, origin);
    reject_unless(j, "class_embeddings_concat", false, origin);
    reject_unless(j, "timestep_post_act", nullptr, origin);
    reject_unless(j, "time_embedding_act_fn", nullptr, origin);
    reject_unless(j, "cross_attention_norm", nullptr, origin);
    reject_unless(j, "resnet_skip_time_act", false, origin);

    if (present(j, "in_channels")) c.in_channels = j.at("in_channels").get<int64_t>();
    if (present(j, "out_channels")) c.out_channels = j.at("out_channels").get<int64_t>();
    if (present(j, "block_out_channels")) c.block_out_channels = j.at("block_out_channels").get<std::vector<int64_t>>();
    const int64_t levels = c.levels();
    if (present(j, "down_block_types")) c.down_block_types = j.at("down_block_types").get<std::vector<std::string>>();
    if (present(j, "up_block_types")) c.up_block_types = j.at("up_block_types").get<std::vector<std::string>>();
    if (j.contains("mid_block_type"))
      c.mid_block_type = j.at("mid_block_type").is_null() ? "" : j.at("mid_block_type").get<std::string>();
    c.layers_per_block = per_level(present(j, "layers_per_block") ? j.at("layers_per_block") : json(2), levels,
                                   "layers_per_block", origin);
    // diffusers' naming bug: `attention_head_dim` is used as the number of heads, unless num_attention_heads is set.
    const json heads = present(j, "num_attention_heads") ? j.at("num_attention_heads")
                       : present(j, "attention_head_dim") ? j.at("attention_head_dim")
                                                          : json(8);
    c.num_attention_heads = per_level(heads, levels, "attention_head_dim", origin);
    c.transformer_layers_per_block =
        per_level(present(j, "transformer_layers_per_block") ? j.at("transformer_layers_per_block") : json(1), levels,
                  "transformer_layers_per_block", origin);
    if (present(j, "reverse_transformer_layers_per_block"))
      c.reverse_transformer_layers_per_block = per_level(j.at("reverse_transformer_layers_per_block"), levels,
                                                         "reverse_transformer_layers_per_block", origin);
    if (present(j, "cross_attention_dim")) {
      const auto& v = j.at("cross_attention_dim");
      auto dims = per_level(v, levels, "cross_attention_dim", origin);
      for (auto d : dims)
        if (d != dims[0]) throw Error(origin + ": per-level 'cross_attention_dim' values must be equal");
      c.cross_attention_dim = dims[0];
    }
    if (present(j, "use_linear_projection")) c.use_linear_projection = j.at("use_linear_projection").get<bool>();
    if (present(j, "upcast_attention")) c.upcast_attention = j.at("upcast_attention").get<bool>();
    if (present(j, "norm_num_groups")) c.norm_num_groups = j.at("norm_num_groups").get<int64_t>();
    if (present(j, "norm_eps")) c.norm_eps = j.at("norm_eps").get<double>();
    if (present(j, "flip_sin_to_cos")) c.flip_sin_to_cos = j.at("flip_sin_to_cos").get<bool>();
    if (present(j, "freq_shift")) c.freq_shift = j.at("freq_shift").get<double>();
    if (present(j, "time_embedding_dim")) c.time_embedding_dim = j.at("time_embedding_dim").get<int64_t>();
    if (present(j, "downsample_padding")) c.downsample_padding = j.at("downsample_padding").get<int64_t>();
    if (present(j, "addition_embed_type")) c.addition_embed_type = j.at("addition_embed_type").get<std::string>();
    if (present(j, "addition_time_embed_dim")) c.addition_time_embed_dim = j.at("addition_time_embed_dim").get<int64_t>();
    if (present(j, "projection_class_embeddings_input_dim"))
      c.projection_class_embeddings_input_dim = j.at("projection_class_embeddings_input_dim").get<int64_t>();
    if (present(j, "time_cond_proj_dim")) c.time_cond_proj_dim = j.at("time_cond_proj_dim").get<int64_t>();
    if (present(j, "sample_size") && j.at("sample_size").is_number_integer())
      c.sample_size = j.at("sample_size").get<int64_t>();
  } catch (const json::exception& e) {
    throw Error(origin + ": malformed UNet config: " + e.what());
  }
  if (!c.addition_embed_type.empty() && c.addition_embed_type != "text_time")
    throw Error(origin + ": unsupported UNet feature 'addition_embed_type' = \"" + c.addition_embed_type + "\"");
  c.validate(origin);
  return c;
}

UNetConfig UNetConfig::from_file(const std::string& path) {
  return from_json(read_json_file(path), path);
}

json UNetConfig::to_json() const {
  json j;
  j["_class_name"] = "UNet2DConditionModel";
  j["in_channels"] = in_channels;
  j["out_channels"] = out_channels;
  j["block_out_channels"] = block_out_channels;
  j["layers_per_block"] = layers_per_block;
  j["down_block_types"] = down_block_types;
  j["up_block_types"] = up_block_types;
  j["mid_block_type"] = mid_block_type.empty() ? json(nullptr) : json(mid_block_type);
  j["attention_head_dim"] = num_attention_heads;  // diffusers' meaning: heads
  j["transformer_layers_per_block"] = transformer_layers_per_block;
  if (!reverse_transformer_layers_per_block.empty())
    j["reverse_transformer_layers_per_block"] = reverse_transformer_layers_per_block;
  j["cross_attention_dim"] = cross_attention_dim;
  j["use_linear_projection"] = use_linear_projection;
  j["upcast_attention"] = upcast_attention;
  j["norm_num_groups"] = norm_num_groups;
  j["norm_eps"] = norm_eps;
  j["flip_sin_to_cos"] = flip_sin_to_cos;
  j["freq_shift"] = freq_shift;
  if (time_embedding_dim > 0) j["time_embedding_dim"] = time_embedding_dim;
  j["downsample_padding"] = downsample_padding;
  j["addition_embed_type"] = addition_embed_type.empty() ? json(nullptr) : json(addition_embed_type);
  j["addition_time_embed_dim"] = addition_time_embed_dim > 0 ? json(addition_time_embed_dim) : json(nullptr);
  j["projection_class_embeddings_input_dim"] =
      projection_class_embeddings_input_dim > 0 ? json(projection_class_embeddings_input_dim) : json(nullptr);
  j["time_cond_proj_dim"] = time_cond_proj_dim > 0 ? json(time_cond_proj_dim) : json(nullptr);
  j["sample_size"] = sample_size;
  return j;
}

UNetConfig UNetConfig::sd15() { return UNetConfig{}; }

UNetConfig UNetConfig::sd21() {
  UNetConfig c;
  c.num_attention_heads = {5, 10, 20, 20};
  c.cross_attention_dim = 1024;
  c.use_linear_projection = true;
  c.upcast_attention = true;
  c.sample_size = 96;
  c.prediction_type = "v_prediction";
  return c;
}

UNetConfig UNetConfig::sdxl() {
  UNetConfig c;
  c.block_out_channels = {320, 640, 1280};
  c.layers_per_block = {2, 2, 2};
  c.down_block_types = {"DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"};
  c.up_block_types = {"CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"};
  c.num_attention_heads = {5, 10, 20};
  c.transformer_layers_per_block = {1, 2, 10};
  c.cross_attention_dim = 2048;
  c.use_linear_projection = true;
  c.addition_embed_type = "text_time";
  c.addition_time_embed_dim = 256;
  c.projection_class_embeddings_input_dim = 2816;
  c.sample_size = 128;
  return c;
}

UNetConfig UNetConfig::preset(const std::string& name) {
  if (name == "sd15" || name == "sd1") return sd15();
  if (name == "sd21" || name == "sd2") return sd21();
  if (name == "sdxl") return sdxl();
  throw Error("unknown UNet preset '" + name + "' (available: sd15, sd21, sdxl)");
}

void UNetConfig::validate(const std::string& origin) const {
  const auto n = static_cast<size_t>(levels());
  auto fail = [&](const std::string& what) { throw Error(origin + ": " + what); };
  if (n == 0) fail("'block_out_channels' is empty");
  if (down_block_types.size() != n || up_block_types.size() != n)
    fail("'down_block_types' and 'up_block_types' need one entry per 'block_out_channels' entry (" +
         std::to_string(n) + ")");
  if (layers_per_block.size() != n || num_attention_heads.size() != n || transformer_layers_per_block.size() != n)
    fail("per-level lists need " + std::to_string(n) + " entries");
  if (!reverse_transformer_layers_per_block.empty() && reverse_transformer_layers_per_block.size() != n)
    fail("'reverse_transformer_layers_per_block' needs " + std::to_string(n) + " entries");
  for (const auto& t : down_block_types)
    if (t != "CrossAttnDownBlock2D" && t != "DownBlock2D") fail("unsupported down block type '" + t + "'");
  for (const auto& t : up_block_types)
    if (t != "CrossAttnUpBlock2D" && t != "UpBlock2D") fail("unsupported up block type '" + t + "'");
  if (!mid_block_type.empty() && mid_block_type != "UNetMidBlock2DCrossAttn")
    fail("unsupported mid block type '" + mid_block_type + "'");
  if (in_channels <= 0 || out_channels <= 0 || norm_num_groups <= 0 || cross_attention_dim <= 0)
    fail("channel counts must be positive");
  for (size_t i = 0; i < n; ++i) {
    const auto ch = block_out_channels[i];
    if (ch <= 0 || ch % norm_num_groups != 0)
      fail("block_out_channels[" + std::to_string(i) + "] = " + std::to_string(ch) +
           " is not a positive multiple of norm_num_groups = " + std::to_string(norm_num_groups));
    if (num_attention_heads[i] <= 0 || ch % num_attention_heads[i] != 0)
      fail("block_out_channels[" + std::to_string(i) + "] = " + std::to_string(ch) + " does not split into " +
           std::to_string(num_attention_heads[i]) + " attention heads");
    if (layers_per_block[i] <= 0 || transformer_layers_per_block[i] <= 0) fail("layer counts must be positive");
  }
  if (has_text_time() && (addition_time_embed_dim <= 0 || projection_class_embeddings_input_dim <= 0))
    fail("'text_time' needs addition_time_embed_dim and projection_class_embeddings_input_dim");
  if (has_text_time() && addition_time_embed_dim % 2 != 0) fail("addition_time_embed_dim must be even");
  if (time_cond_proj_dim < 0) fail("'time_cond_proj_dim' must be positive");
}

}  // namespace ripen
