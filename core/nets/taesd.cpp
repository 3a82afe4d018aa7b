#include "nets/taesd.h"
#include <ATen/core/grad_mode.h>

#include <nlohmann/json.hpp>

#include <filesystem>

#include "tensors/error.h"
#include "tensors/json_file.h"
#include "tensors/safetensors.h"

namespace ripen {

namespace fs = std::filesystem;

TaesdConfig TaesdConfig::from_json_file(const std::string& path) {
  const nlohmann::json j = read_json_file(path);
  TaesdConfig c;
  auto list = [&](const char* name, std::vector<int64_t>& out) {
    if (!j.contains(name) || j[name].is_null()) return;
    if (!j[name].is_array()) throw Error(path + ": field '" + name + "' must be a list of integers");
    out = j[name].get<std::vector<int64_t>>();
  };
  list("encoder_block_out_channels", c.encoder_block_out_channels);
  list("decoder_block_out_channels", c.decoder_block_out_channels);
  list("num_encoder_blocks", c.num_encoder_blocks);
  list("num_decoder_blocks", c.num_decoder_blocks);
  if (j.contains("latent_channels")) c.latent_channels = j["latent_channels"].get<int64_t>();
  if (j.contains("in_channels")) c.image_channels = j["in_channels"].get<int64_t>();
  if (c.encoder_block_out_channels.size() != c.num_encoder_blocks.size() ||
      c.decoder_block_out_channels.size() != c.num_decoder_blocks.size() || c.num_decoder_blocks.empty() ||
      c.num_encoder_blocks.empty())
    throw Error(path + ": block channel lists and block counts differ in length");
  if (j.contains("upsampling_scaling_factor") && j["upsampling_scaling_factor"] != 2)
    throw Error(path + ": only upsampling_scaling_factor 2 is supported");
  return c;
}

at::Tensor Taesd::Block::operator()(const at::Tensor& x) const {
  at::Tensor h = conv0(x);
  h = conv2(at::relu_(h));
  h = conv4(at::relu_(h));
  return at::relu_(h.add_(skip.defined() ? skip(x) : x));
}

Taesd Taesd::bind(ParamStore& ps, const TaesdConfig& cfg, bool with_encoder, bool with_decoder) {
  Taesd t;
  t.cfg_ = cfg;
  auto block = [&](const std::string& prefix, int64_t in, int64_t out) {
    Layer l{Layer::Block, {}, {}};
    l.block.conv0.bind(ps, prefix + ".conv.0", in, out, 3, 1, 1);
    l.block.conv2.bind(ps, prefix + ".conv.2", out, out, 3, 1, 1);
    l.block.conv4.bind(ps, prefix + ".conv.4", out, out, 3, 1, 1);
    if (in != out) l.block.skip.bind(ps, prefix + ".skip", in, out, 1, 1, 0, false);
    return l;
  };
  auto conv = [&](const std::string& prefix, int64_t in, int64_t out, int64_t stride, bool bias) {
    Layer l{Layer::Conv, {}, {}};
    l.conv.bind(ps, prefix, in, out, 3, stride, 1, bias);
    return l;
  };
  if (with_encoder) {
    auto& L = t.encoder_;
    auto name = [&] { return "encoder.layers." + std::to_string(L.size()); };
    const auto& ch = cfg.encoder_block_out_channels;
    for (size_t i = 0; i < ch.size(); ++i) {
      if (i == 0)
        L.push_back(conv(name(), cfg.image_channels, ch[0], 1, true));
      else
        L.push_back(conv(name(), ch[i - 1], ch[i], 2, false));
      for (int64_t b = 0; b < cfg.num_encoder_blocks[i]; ++b) L.push_back(block(name(), ch[i], ch[i]));
    }
    L.push_back(conv(name(), ch.back(), cfg.latent_channels, 1, true));
  }
  if (with_decoder) {
    auto& L = t.decoder_;
    auto name = [&] { return "decoder.layers." + std::to_string(L.size()); };
    const auto& ch = cfg.decoder_block_out_channels;
    L.push_back(conv(name(), cfg.latent_channels, ch[0], 1, true));
    L.push_back(Layer{Layer::Relu, {}, {}});
    int64_t c = ch[0];
    for (size_t i = 0; i < ch.size(); ++i) {
      const bool last = i + 1 == ch.size();
      for (int64_t b = 0; b < cfg.num_decoder_blocks[i]; ++b) {
        L.push_back(block(name(), c, ch[i]));
        c = ch[i];
      }
      if (!last) L.push_back(Layer{Layer::Upsample, {}, {}});
      L.push_back(conv(name(), c, last ? cfg.image_channels : c, 1, last));
    }
  }
  return t;
}

at::Tensor Taesd::run(const std::vector<Layer>& layers, at::Tensor x) {
  for (const Layer& l : layers) {
    switch (l.kind) {
      case Layer::Conv: x = l.conv(x); break;
      case Layer::Relu: x = at::relu(x); break;
      case Layer::Block: x = l.block(x); break;
      case Layer::Upsample: x = at::upsample_nearest2d(x, {x.size(2) * 2, x.size(3) * 2}); break;
    }
  }
  return x;
}

at::Tensor Taesd::decode(const at::Tensor& latent) const {
  if (!has_decoder()) throw Error("taesd: no decoder weights loaded");
  if (latent.dim() != 4 || latent.size(1) != cfg_.latent_channels)
    throw Error("taesd decode: expected latents [N, " + std::to_string(cfg_.latent_channels) + ", h, w], got " +
                shape_str(latent.sizes()));
  at::NoGradGuard no_grad;
  const at::Tensor& w = decoder_.front().conv.weight;
  at::Tensor x = latent.to(w.device(), w.scalar_type());
  x = at::tanh(x / 3.0) * 3.0;
  return run(decoder_, x).to(at::kFloat).mul_(2.0).sub_(1.0);
}

at::Tensor Taesd::encode(const at::Tensor& image) const {
  if (!has_encoder()) throw Error("taesd: no encoder weights loaded");
  if (image.dim() != 4 || image.size(1) != cfg_.image_channels)
    throw Error("taesd encode: expected an image [N, " + std::to_string(cfg_.image_channels) + ", H, W], got " +
                shape_str(image.sizes()));
  at::NoGradGuard no_grad;
  const at::Tensor& w = encoder_.front().conv.weight;
  at::Tensor x = image.to(w.device(), w.scalar_type()).add(1.0).div(2.0);
  return run(encoder_, x).to(at::kFloat);
}

std::map<std::string, at::Tensor> taesd_keys_to_diffusers(std::map<std::string, at::Tensor> tensors, bool decoder) {
  std::map<std::string, at::Tensor> out;
  for (auto& [k, v] : tensors) {
    if (k.rfind("decoder.layers.", 0) == 0 || k.rfind("encoder.layers.", 0) == 0) {
      out[k] = v;
      continue;
    }
    const size_t dot = k.find('.');
    int64_t index = -1;
    try {
      index = std::stoll(k.substr(0, dot));
    } catch (const std::exception&) {
      throw Error("taesd: unexpected key '" + k + "' (neither diffusers nor original TAESD layout)");
    }
    if (decoder) --index;  // the original decoder's layer 0 is the Clamp, which has no parameters
    if (index < 0) throw Error("taesd: unexpected key '" + k + "'");
    out[std::string(decoder ? "decoder" : "encoder") + ".layers." + std::to_string(index) + k.substr(dot)] = v;
  }
  return out;
}

Taesd load_taesd(const std::vector<std::string>& paths, at::TensorOptions options) {
  if (paths.empty()) throw Error("taesd: no files given");
  TaesdConfig cfg;
  std::map<std::string, at::Tensor> all;
  std::string origin;
  for (std::string path : paths) {
    if (fs::is_directory(path)) {
      if (fs::exists(fs::path(path) / "config.json")) cfg = TaesdConfig::from_json_file((fs::path(path) / "config.json").string());
      path = (fs::path(path) / "diffusion_pytorch_model.safetensors").string();
    }
    origin += (origin.empty() ? "" : " + ") + path;
    auto st = SafeTensors::open(path);
    auto tensors = st.load_all();
    bool diffusers = false;
    for (const auto& [k, v] : tensors)
      if (k.rfind("decoder.layers.", 0) == 0 || k.rfind("encoder.layers.", 0) == 0) diffusers = true;
    if (!diffusers) {
      // Original part file: the decoder starts at "1.weight" [C, latent, 3, 3], the encoder at "0.weight" [C, 3, 3, 3].
      const bool is_decoder = tensors.count("1.weight") && !tensors.count("0.weight");
      if (!is_decoder && !tensors.count("0.weight"))
        throw Error(path + ": not a TAESD file (no 'decoder.layers.*', '0.weight' or '1.weight')");
      tensors = taesd_keys_to_diffusers(std::move(tensors), is_decoder);
    }
    for (auto& [k, v] : tensors) all[k] = v;
  }
  bool has_enc = false, has_dec = false;
  for (const auto& [k, v] : all) {
    has_enc |= k.rfind("encoder.", 0) == 0;
    has_dec |= k.rfind("decoder.", 0) == 0;
  }
  if (auto it = all.find("decoder.layers.0.weight"); it != all.end()) cfg.latent_channels = it->second.size(1);
  ParamStore ps = ParamStore::from_tensors(std::move(all), origin, options);
  Taesd t = Taesd::bind(ps, cfg, has_enc, has_dec);
  ps.finish();
  return t;
}

}  // namespace ripen
