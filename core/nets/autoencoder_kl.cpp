#include "nets/autoencoder_kl.h"

#include <ATen/core/grad_mode.h>

#include <nlohmann/json.hpp>


#include "nets/vae_tiled.h"
#include "tensors/error.h"
#include "tensors/json_file.h"

namespace ripen {

using nn::key;

// ---------------------------------------------------------------------------------------------- config

VaeConfig VaeConfig::sd() { return VaeConfig{}; }

VaeConfig VaeConfig::sdxl() {
  VaeConfig c;
  c.scaling_factor = 0.13025;
  return c;
}

void VaeConfig::validate(const std::string& origin) const {
  auto fail = [&](const std::string& what) { throw Error(origin + ": " + what); };
  if (block_out_channels.empty()) fail("block_out_channels is empty");
  for (int64_t c : block_out_channels)
    if (c <= 0 || norm_num_groups <= 0 || c % norm_num_groups != 0)
      fail("block_out_channels entry " + std::to_string(c) + " is not a positive multiple of norm_num_groups " +
           std::to_string(norm_num_groups));
  if (in_channels <= 0 || out_channels <= 0 || latent_channels <= 0) fail("channel counts must be positive");
  if (layers_per_block <= 0) fail("layers_per_block must be positive");
  if (!(scaling_factor > 0)) fail("scaling_factor must be positive");
}

VaeConfig VaeConfig::from_json(const nlohmann::json& j, const std::string& origin) {
  VaeConfig c;
  auto get_int = [&](const char* name, int64_t& out) {
    if (!j.contains(name) || j[name].is_null()) return;
    if (!j[name].is_number_integer()) throw Error(origin + ": field '" + name + "' must be an integer");
    out = j[name].get<int64_t>();
  };
  auto get_bool = [&](const char* name, bool& out) {
    if (!j.contains(name) || j[name].is_null()) return;
    if (!j[name].is_boolean()) throw Error(origin + ": field '" + name + "' must be true or false");
    out = j[name].get<bool>();
  };
  if (!j.is_object()) throw Error(origin + ": not a JSON object");
  if (!j.contains("block_out_channels") || !j["block_out_channels"].is_array())
    throw Error(origin + ": missing field 'block_out_channels'");
  c.block_out_channels.clear();
  for (const auto& v : j["block_out_channels"]) {
    if (!v.is_number_integer()) throw Error(origin + ": 'block_out_channels' must hold integers");
    c.block_out_channels.push_back(v.get<int64_t>());
  }
  get_int("in_channels", c.in_channels);
  get_int("out_channels", c.out_channels);
  get_int("latent_channels", c.latent_channels);
  get_int("layers_per_block", c.layers_per_block);
  get_int("norm_num_groups", c.norm_num_groups);
  if (j.contains("scaling_factor") && !j["scaling_factor"].is_null()) {
    if (!j["scaling_factor"].is_number()) throw Error(origin + ": field 'scaling_factor' must be a number");
    c.scaling_factor = j["scaling_factor"].get<double>();
  }
  if (j.contains("shift_factor") && !j["shift_factor"].is_null()) {
    if (!j["shift_factor"].is_number()) throw Error(origin + ": field 'shift_factor' must be a number");
    c.shift_factor = j["shift_factor"].get<double>();
  }
  get_bool("force_upcast", c.force_upcast);
  get_bool("use_quant_conv", c.use_quant_conv);
  get_bool("use_post_quant_conv", c.use_post_quant_conv);
  get_bool("mid_block_add_attention", c.mid_block_add_attention);
  for (const char* list : {"down_block_types", "up_block_types"}) {
    if (!j.contains(list) || !j[list].is_array()) continue;
    if (j[list].size() != c.block_out_channels.size())
      throw Error(origin + ": '" + list + "' has " + std::to_string(j[list].size()) +
                  " entries but block_out_channels has " + std::to_string(c.block_out_channels.size()));
    for (const auto& t : j[list]) {
      const std::string s = t.is_string() ? t.get<std::string>() : "";
      if (s != "DownEncoderBlock2D" && s != "UpDecoderBlock2D")
        throw Error(origin + ": unsupported block type '" + s + "' in '" + list + "'");
    }
  }
  if (j.contains("act_fn") && j["act_fn"].is_string() && j["act_fn"] != "silu")
    throw Error(origin + ": unsupported act_fn '" + j["act_fn"].get<std::string>() + "' (only silu)");
  c.validate(origin);
  return c;
}

VaeConfig VaeConfig::from_file(const std::string& path) {
  return from_json(read_json_file(path), path);
}

// ---------------------------------------------------------------------------------------------- network

AutoencoderKL AutoencoderKL::bind(ParamStore& ps, const VaeConfig& cfg) {
  cfg.validate("vae config");
  AutoencoderKL m;
  m.cfg_ = cfg;
  const auto& boc = cfg.block_out_channels;
  const int64_t levels = static_cast<int64_t>(boc.size()), G = cfg.norm_num_groups;

  // Encoder.
  m.enc_conv_in_.bind(ps, "encoder.conv_in", cfg.in_channels, boc[0], 3, 1, 1);
  int64_t ch = boc[0];
  for (int64_t i = 0; i < levels; ++i) {
    Level lv;
    const std::string p = "encoder.down_blocks." + std::to_string(i);
    for (int64_t j = 0; j < cfg.layers_per_block; ++j) {
      lv.resnets.emplace_back();
      lv.resnets.back().bind(ps, p + ".resnets." + std::to_string(j), ch, boc[i], G);
      ch = boc[i];
    }
    if (i + 1 < levels) {
      lv.down.emplace();
      lv.down->bind(ps, p + ".downsamplers.0", ch);
    }
    m.down_.push_back(std::move(lv));
  }
  m.enc_mid_.bind(ps, "encoder.mid_block", ch, G, cfg.mid_block_add_attention);
  m.enc_norm_out_.bind(ps, "encoder.conv_norm_out", ch, G, nn::kVaeNormEps);
  m.enc_conv_out_.bind(ps, "encoder.conv_out", ch, 2 * cfg.latent_channels, 3, 1, 1);
  if (cfg.use_quant_conv) m.quant_conv_.bind(ps, "quant_conv", 2 * cfg.latent_channels, 2 * cfg.latent_channels, 1);
  if (cfg.use_post_quant_conv) m.post_quant_conv_.bind(ps, "post_quant_conv", cfg.latent_channels, cfg.latent_channels, 1);

  // Decoder: levels in reversed channel order, layers_per_block + 1 resnets each.
  ch = boc.back();
  m.dec_conv_in_.bind(ps, "decoder.conv_in", cfg.latent_channels, ch, 3, 1, 1);
  m.dec_mid_.bind(ps, "decoder.mid_block", ch, G, cfg.mid_block_add_attention);
  for (int64_t i = 0; i < levels; ++i) {
    Level lv;
    const int64_t out = boc[levels - 1 - i];
    const std::string p = "decoder.up_blocks." + std::to_string(i);
    for (int64_t j = 0; j <= cfg.layers_per_block; ++j) {
      lv.resnets.emplace_back();
      lv.resnets.back().bind(ps, p + ".resnets." + std::to_string(j), ch, out, G);
      ch = out;
    }
    if (i + 1 < levels) {
      lv.up.emplace();
      lv.up->bind(ps, p + ".upsamplers.0", ch);
    }
    m.up_.push_back(std::move(lv));
  }
  m.dec_norm_out_.bind(ps, "decoder.conv_norm_out", ch, G, nn::kVaeNormEps);
  m.dec_conv_out_.bind(ps, "decoder.conv_out", ch, cfg.out_channels, 3, 1, 1);
  return m;
}

at::Tensor AutoencoderKL::prepare(const at::Tensor& x) const {
  at::Tensor y = x.to(device(), dtype());
  return channels_last_ ? y.contiguous(at::MemoryFormat::ChannelsLast) : y.contiguous();
}

at::Tensor AutoencoderKL::run_encoder(const at::Tensor& image) const {
  // No autograd graph unless the weights are being trained (core/training).
  at::AutoGradMode grad_mode(at::GradMode::is_enabled() && enc_conv_in_.weight.requires_grad());
  if (image.dim() != 4 || image.size(1) != cfg_.in_channels)
    throw Error("vae encode: expected an image [N, " + std::to_string(cfg_.in_channels) + ", H, W], got " +
                shape_str(image.sizes()));
  at::Tensor h = enc_conv_in_(prepare(image));
  for (const auto& lv : down_) {
    for (const auto& r : lv.resnets) h = r(h);
    if (lv.down) h = (*lv.down)(h);
  }
  h = enc_mid_(h);
  h = enc_conv_out_(nn::vae_group_norm(h, enc_norm_out_, true));
  if (quant_conv_.defined()) h = quant_conv_(h);
  return h.to(at::kFloat).contiguous();
}

at::Tensor AutoencoderKL::run_decoder(const at::Tensor& z) const {
  at::AutoGradMode grad_mode(at::GradMode::is_enabled() && dec_conv_in_.weight.requires_grad());
  if (z.dim() != 4 || z.size(1) != cfg_.latent_channels)
    throw Error("vae decode: expected latents [N, " + std::to_string(cfg_.latent_channels) + ", h, w], got " +
                shape_str(z.sizes()));
  at::Tensor h = prepare(z);
  if (post_quant_conv_.defined()) h = post_quant_conv_(h);
  h = dec_mid_(dec_conv_in_(h));
  for (const auto& lv : up_) {
    for (const auto& r : lv.resnets) h = r(h);
    if (lv.up) h = (*lv.up)(h);
  }
  h = dec_conv_out_(nn::vae_group_norm(h, dec_norm_out_, true));
  return h.to(at::kFloat).contiguous();
}

static VaeMoments split_moments(const at::Tensor& moments) {
  auto parts = moments.chunk(2, 1);
  return {parts[0].contiguous(), parts[1].clamp(-30.0, 20.0).contiguous()};
}

VaeMoments AutoencoderKL::encode(const at::Tensor& image) const { return split_moments(run_encoder(image)); }

at::Tensor AutoencoderKL::decode(const at::Tensor& z) const { return run_decoder(z); }

VaeMoments AutoencoderKL::encode_tiled(const at::Tensor& image, const VaeTiling& tiling) const {
  const int64_t f = cfg_.downscale();
  if (image.dim() == 4 && (image.size(2) % f || image.size(3) % f))
    throw Error("vae encode_tiled: image size " + std::to_string(image.size(2)) + "x" + std::to_string(image.size(3)) +
                " is not a multiple of " + std::to_string(f));
  if (image.dim() == 4 && image.size(2) <= tiling.tile * f && image.size(3) <= tiling.tile * f) return encode(image);
  return split_moments(run_encoder_tiled(image, tiling));
}

at::Tensor AutoencoderKL::decode_tiled(const at::Tensor& z, const VaeTiling& tiling) const {
  if (z.dim() == 4 && z.size(2) <= tiling.tile && z.size(3) <= tiling.tile) return decode(z);
  return run_decoder_tiled(z, tiling);
}

// ---------------------------------------------------------------------------------------------- tiled passes

namespace {

using nn::BandedMap;

// Maps handed to a step; a map passed with std::move is released band by band as the step goes.
template <class... M>
std::vector<BandedMap> maps(M&&... m) {
  std::vector<BandedMap> v;
  (v.push_back(std::forward<M>(m)), ...);
  return v;
}

// Runs the steps of a tiled pass; `scale` is the current map's pixels per latent pixel (tile cores are tile * scale).
struct TiledRun {
  nn::TileStep base;
  int64_t tile;
  at::Device store;
  int64_t scale;

  int64_t core() const { return tile * scale; }

  BandedMap step(std::vector<BandedMap> in, int64_t halo, int64_t num, int64_t den, const nn::TileStepFn& fn) const {
    nn::TileStep s = base;
    s.core = core(), s.halo = halo, s.num = num, s.den = den;
    return nn::run_tile_step(std::move(in), s, fn);
  }

  // A resnet in two steps, each GroupNorm with the statistics of its whole input map. The first step also applies
  // the shortcut, stored beside conv1's output, so that x is released while that map grows.
  BandedMap resnet(const nn::VaeResnet& r, BandedMap x) const {
    const nn::GroupStats s1 = nn::group_stats(x, r.norm1.groups);
    const int64_t ch = r.conv1.weight.size(0);
    BandedMap h_skip = step(maps(std::move(x)), 1, 1, 1, [&](const auto& t) {
      return at::cat({r.first_half(t[0], &s1), r.shortcut(t[0])}, 1);
    });
    const nn::GroupStats s2 = nn::group_stats(h_skip, r.norm2.groups, 0, ch);
    return step(maps(std::move(h_skip)), 1, 1, 1, [&](const auto& t) {
      return r.second_half(t[0].slice(1, 0, ch), t[0].slice(1, ch), &s2);
    });
  }

  // The mid-block attention is global: it runs on the whole map, which is at latent resolution (512 channels of
  // 256x256 for a 2048^2 SD image: 128 MiB in fp32), its scores chunked as in the whole-image pass.
  BandedMap attention(const nn::VaeAttention& a, BandedMap x) const {
    at::Tensor whole = x.whole().to(base.device).contiguous(base.format);
    x = {};
    return BandedMap::split(a(whole).to(store), core());
  }

  BandedMap mid(const nn::VaeMidBlock& m, BandedMap x) const {
    x = resnet(m.resnet0, std::move(x));
    if (m.has_attention) x = attention(m.attention, std::move(x));
    return resnet(m.resnet1, std::move(x));
  }
};

}  // namespace

at::Tensor AutoencoderKL::run_encoder_tiled(const at::Tensor& image, const VaeTiling& tiling) const {
  if (image.dim() != 4 || image.size(1) != cfg_.in_channels)
    throw Error("vae encode: expected an image [N, " + std::to_string(cfg_.in_channels) + ", H, W], got " +
                shape_str(image.sizes()));
  if (tiling.tile <= 0) throw Error("vae encode_tiled: tile must be positive");
  at::NoGradGuard no_grad;
  const auto format = channels_last_ ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  TiledRun run{{0, 0, 1, 1, device(), format}, tiling.tile, tiling.keep_on_host ? at::Device(at::kCPU) : device(),
               cfg_.downscale()};
  BandedMap h = BandedMap::split(image.to(run.store, dtype()), run.core());
  h = run.step(maps(std::move(h)), 1, 1, 1, [&](const auto& t) { return enc_conv_in_(t[0]); });
  for (const auto& lv : down_) {
    for (const auto& r : lv.resnets) h = run.resnet(r, std::move(h));
    if (lv.down) {
      // Output pixel j reads input pixels 2j..2j+2; a halo of 2 keeps tile offsets even.
      h = run.step(maps(std::move(h)), 2, 1, 2, [&](const auto& t) { return (*lv.down)(t[0]); });
      run.scale /= 2;
    }
  }
  h = run.mid(enc_mid_, std::move(h));
  const nn::GroupStats s = nn::group_stats(h, enc_norm_out_.groups);
  h = run.step(maps(std::move(h)), 1, 1, 1, [&](const auto& t) {
    at::Tensor m = enc_conv_out_(nn::vae_group_norm(t[0], enc_norm_out_, true, &s));
    return quant_conv_.defined() ? quant_conv_(m) : m;
  });
  return h.whole().to(image.device(), at::kFloat).contiguous();
}

at::Tensor AutoencoderKL::run_decoder_tiled(const at::Tensor& z, const VaeTiling& tiling) const {
  if (z.dim() != 4 || z.size(1) != cfg_.latent_channels)
    throw Error("vae decode: expected latents [N, " + std::to_string(cfg_.latent_channels) + ", h, w], got " +
                shape_str(z.sizes()));
  if (tiling.tile <= 0) throw Error("vae decode_tiled: tile must be positive");
  at::NoGradGuard no_grad;
  const auto format = channels_last_ ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  TiledRun run{{0, 0, 1, 1, device(), format}, tiling.tile, tiling.keep_on_host ? at::Device(at::kCPU) : device(), 1};
  BandedMap h = BandedMap::split(z.to(run.store, dtype()), run.core());
  h = run.step(maps(std::move(h)), 1, 1, 1, [&](const auto& t) {
    return dec_conv_in_(post_quant_conv_.defined() ? post_quant_conv_(t[0]) : t[0]);
  });
  h = run.mid(dec_mid_, std::move(h));
  for (const auto& lv : up_) {
    for (const auto& r : lv.resnets) h = run.resnet(r, std::move(h));
    if (lv.up) {
      h = run.step(maps(std::move(h)), 1, 2, 1, [&](const auto& t) { return (*lv.up)(t[0]); });
      run.scale *= 2;
    }
  }
  const nn::GroupStats s = nn::group_stats(h, dec_norm_out_.groups);
  h = run.step(maps(std::move(h)), 1, 1, 1, [&](const auto& t) {
    return dec_conv_out_(nn::vae_group_norm(t[0], dec_norm_out_, true, &s));
  });
  return h.whole().to(z.device(), at::kFloat).contiguous();
}

at::Tensor AutoencoderKL::to_latent(const at::Tensor& vae_latent) const {
  at::Tensor x = cfg_.shift_factor ? vae_latent - *cfg_.shift_factor : vae_latent;
  return x * cfg_.scaling_factor;
}

at::Tensor AutoencoderKL::from_latent(const at::Tensor& unet_latent) const {
  at::Tensor x = unet_latent / cfg_.scaling_factor;
  return cfg_.shift_factor ? x + *cfg_.shift_factor : x;
}

std::vector<at::Tensor*> AutoencoderKL::tensors() {
  std::vector<at::Tensor*> out;
  auto conv = [&](nn::Conv2d& c) {
    if (c.weight.defined()) out.push_back(&c.weight);
    if (c.bias.defined()) out.push_back(&c.bias);
  };
  auto lin = [&](nn::Linear& l) {
    out.push_back(&l.weight);
    if (l.bias.defined()) out.push_back(&l.bias);
  };
  auto norm = [&](nn::GroupNorm& n) {
    out.push_back(&n.weight);
    out.push_back(&n.bias);
  };
  auto res = [&](nn::VaeResnet& r) {
    norm(r.norm1), norm(r.norm2), conv(r.conv1), conv(r.conv2), conv(r.conv_shortcut);
  };
  auto mid = [&](nn::VaeMidBlock& m) {
    res(m.resnet0), res(m.resnet1);
    if (m.has_attention) {
      norm(m.attention.group_norm);
      lin(m.attention.to_q), lin(m.attention.to_k), lin(m.attention.to_v), lin(m.attention.to_out);
    }
  };
  conv(enc_conv_in_), conv(enc_conv_out_), conv(quant_conv_), conv(post_quant_conv_), conv(dec_conv_in_),
      conv(dec_conv_out_);
  norm(enc_norm_out_), norm(dec_norm_out_);
  for (auto* levels : {&down_, &up_})
    for (auto& lv : *levels) {
      for (auto& r : lv.resnets) res(r);
      if (lv.down) conv(lv.down->conv);
      if (lv.up) conv(lv.up->conv);
    }
  mid(enc_mid_), mid(dec_mid_);
  return out;
}

void AutoencoderKL::to(at::TensorOptions options) {
  for (at::Tensor* t : tensors()) {
    at::Tensor moved = t->to(options.device(), options.dtype().toScalarType());
    if (channels_last_ && moved.dim() == 4) moved = moved.contiguous(at::MemoryFormat::ChannelsLast);
    *t = moved;
  }
}

void AutoencoderKL::set_channels_last(bool on) {
  channels_last_ = on;
  for (at::Tensor* t : tensors())
    if (t->dim() == 4)
      *t = t->contiguous(on ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous);
}

at::ScalarType AutoencoderKL::safe_dtype(const VaeConfig& cfg, at::ScalarType wanted, const at::Device& device) {
  if (wanted != at::kHalf || !cfg.force_upcast) return wanted;
  (void)device;  // bf16 has fp32's exponent range, so it does not overflow where fp16 does; every CUDA >= sm80 and
                 // every CPU libtorch runs it (slowly on old GPUs, which is still better than NaNs).
  return at::kBFloat16;
}

}  // namespace ripen
