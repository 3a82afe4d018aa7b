#pragma once
// AutoencoderKL (the SD / SDXL VAE), parameter keys exactly diffusers' (encoder.*, decoder.*, quant_conv,
// post_quant_conv), driven by diffusers' vae/config.json.
//
// Latent spaces — read this before calling decode:
//   * "VAE space": what the encoder's mean is and what `decode` consumes.
//   * "UNet space": what samplers work in. unet_latent = (vae_latent - shift_factor) * scaling_factor.
//   `to_latent(mean)` maps VAE -> UNet space, `from_latent(z)` maps UNet -> VAE space.
//   So decoding a sampler's result is `vae.decode(vae.from_latent(z))` (diffusers: `vae.decode(z / scaling_factor)`).
//
// Autograd: encode/decode record a graph only when grad mode is on and the parameters require grad (training the
// embedded model's VAE); otherwise they run without one and use in-place activations.
//
// Precision: the network runs in the dtype its parameters were bound with (ParamStore's target options); inputs are
// converted to that dtype and device, outputs come back as float32. GroupNorms always run in fp32. SDXL's VAE
// overflows in fp16 (config `force_upcast`): use `AutoencoderKL::safe_dtype` to pick fp32 or bf16 instead.
#include <ATen/ATen.h>

#include <nlohmann/json_fwd.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nets/vae_blocks.h"

namespace ripen {

struct VaeConfig {
  int64_t in_channels = 3;
  int64_t out_channels = 3;
  int64_t latent_channels = 4;
  std::vector<int64_t> block_out_channels{128, 256, 512, 512};
  int64_t layers_per_block = 2;
  int64_t norm_num_groups = 32;
  double scaling_factor = 0.18215;
  std::optional<double> shift_factor;
  bool force_upcast = true;
  bool use_quant_conv = true;
  bool use_post_quant_conv = true;
  bool mid_block_add_attention = true;

  // diffusers vae/config.json. Throws ripen::Error (naming `origin`) on missing or inconsistent fields.
  static VaeConfig from_json(const nlohmann::json& j, const std::string& origin = "vae/config.json");
  static VaeConfig from_file(const std::string& path);
  static VaeConfig sd();    // SD 1.x / 2.x
  static VaeConfig sdxl();  // SDXL (scaling 0.13025)

  int64_t downscale() const { return int64_t{1} << (block_out_channels.size() - 1); }  // 8 for SD
  void validate(const std::string& origin) const;
};

struct VaeMoments {
  at::Tensor mean, logvar;  // VAE space; logvar clamped to [-30, 20]
};

// Tiled passes (see nets/vae_tiled.h): the network runs step by step (split at every GroupNorm), each step tile by
// tile with a pixel or two of neighbour context, every GroupNorm with the statistics of the whole map and the
// mid-block attention on the whole (latent-resolution) map. The result is the whole-image pass up to float rounding
// (max|tiled - whole| about 2e-6 of max|whole| in fp32, decode and encode; tests/nets/test_vae_tiled.cpp): no seams,
// no blending, no overlap to tune.
// Memory: an accelerator holds one tile's activations at a time (maps wait on the host when keep_on_host). The host
// holds the current step's input and output maps, as bands the step releases as it goes: for a full-size SD decode
// to 1024^2 in bf16 on CPU the peak RSS grew 1.2 GiB tiled against 2.8 GiB whole (tile 32).
struct VaeTiling {
  int64_t tile = 64;         // tile core side in latent pixels (64 = 512 image pixels for SD), at every resolution
  bool keep_on_host = true;  // keep the maps between steps in host memory (bounds accelerator memory; no-op on CPU)
};

class AutoencoderKL {
 public:
  // Declares every parameter under diffusers' keys (no prefix; the caller renames checkpoint keys beforehand).
  static AutoencoderKL bind(ParamStore& ps, const VaeConfig& cfg);

  // image: NCHW in [-1, 1] -> moments in VAE space.
  VaeMoments encode(const at::Tensor& image) const;
  // z: VAE-space latents (already divided by scaling_factor; see from_latent) -> image NCHW, raw (not clamped).
  at::Tensor decode(const at::Tensor& z) const;

  // Tiled versions (inference only); the whole-image pass when the input fits in one tile. encode_tiled needs image
  // sides that are multiples of downscale().
  VaeMoments encode_tiled(const at::Tensor& image, const VaeTiling& tiling = {}) const;
  at::Tensor decode_tiled(const at::Tensor& z, const VaeTiling& tiling = {}) const;

  at::Tensor to_latent(const at::Tensor& vae_latent) const;    // (x - shift) * scale: VAE -> UNet space
  at::Tensor from_latent(const at::Tensor& unet_latent) const;  // x / scale + shift:   UNet -> VAE space

  // Converts parameters (e.g. keep fp32 on CPU, bf16 on CUDA) and the memory format used for activations.
  void to(at::TensorOptions options);
  void set_channels_last(bool on);

  // The dtype to run this VAE in when the rest of the pipeline wants `wanted`: fp16 is replaced by bf16 (or fp32
  // where the device lacks bf16) when force_upcast is set.
  static at::ScalarType safe_dtype(const VaeConfig& cfg, at::ScalarType wanted, const at::Device& device);

  const VaeConfig& config() const { return cfg_; }
  at::ScalarType dtype() const { return dec_conv_in_.weight.scalar_type(); }
  at::Device device() const { return dec_conv_in_.weight.device(); }

 private:
  struct Level {
    std::vector<nn::VaeResnet> resnets;
    std::optional<nn::VaeDownsample> down;
    std::optional<nn::VaeUpsample> up;
  };

  at::Tensor prepare(const at::Tensor& x) const;
  at::Tensor run_encoder_tiled(const at::Tensor& image, const VaeTiling& tiling) const;
  at::Tensor run_decoder_tiled(const at::Tensor& z, const VaeTiling& tiling) const;
  at::Tensor run_encoder(const at::Tensor& image) const;  // -> moments [B, 2*latent, h, w] (after quant_conv)
  at::Tensor run_decoder(const at::Tensor& z) const;
  std::vector<at::Tensor*> tensors();

  VaeConfig cfg_;
  bool channels_last_ = false;
  nn::Conv2d enc_conv_in_, enc_conv_out_, quant_conv_, post_quant_conv_, dec_conv_in_, dec_conv_out_;
  nn::GroupNorm enc_norm_out_, dec_norm_out_;
  std::vector<Level> down_, up_;
  nn::VaeMidBlock enc_mid_, dec_mid_;
};

}  // namespace ripen
