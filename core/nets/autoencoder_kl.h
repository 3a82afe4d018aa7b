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

// Tiles are given in latent pixels (×downscale() in image pixels). Neighbouring tiles overlap by `overlap` and are
// blended with linear (feather) weights over the overlap, so there is no hard seam; memory is bounded by the tile
// size whatever the image size. Trade-off: each tile sees zero padding at its edges (the decoder's receptive field is
// about 16 latent px) and normalises with its own GroupNorm statistics, so the result is not the whole-image pass;
// a larger overlap costs more tiles and shrinks the difference (numbers in tests/nets/test_vae_tiled.cpp).
// norm_passes = k > 0 first runs k tiled calibration passes that record each GroupNorm's whole-image statistics and
// then normalises every tile with them (the "tiled VAE" approach of multidiffusion-upscaler). It is exact when one
// tile covers the image. On the random-weight test VAE one pass halved the encoder's max|tiled - whole| (26% -> 11%
// of max|mean|) but not the decoder's (19% -> 20%; two passes: 54%), so the default is 0 (per-tile statistics,
// as ComfyUI does); callers may use 1 for tiled encode.
struct VaeTiling {
  int64_t tile = 64;     // latent px per tile side (64 = 512 image px for SD)
  int64_t overlap = 16;  // latent px shared by neighbouring tiles
  int norm_passes = 0;   // calibration passes for shared GroupNorm statistics (each costs one more tiled pass)
};

class AutoencoderKL {
 public:
  // Declares every parameter under diffusers' keys (no prefix; the caller renames checkpoint keys beforehand).
  static AutoencoderKL bind(ParamStore& ps, const VaeConfig& cfg);

  // image: NCHW in [-1, 1] -> moments in VAE space.
  VaeMoments encode(const at::Tensor& image) const;
  // z: VAE-space latents (already divided by scaling_factor; see from_latent) -> image NCHW, raw (not clamped).
  at::Tensor decode(const at::Tensor& z) const;

  // Tiled versions; fall back to the whole-image pass when the input fits in one tile.
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
  at::Tensor tiled(const at::Tensor& x, int64_t tile, int64_t overlap, int64_t num, int64_t den, int norm_passes,
                   const std::function<at::Tensor(const at::Tensor&)>& fn) const;
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

// Blends overlapping tiles with linear feather weights. `run` maps an input tile to an output tile scale_num/scale_den
// times its size; it also gets the part of the tile the tile "owns" (a partition of the input, as fractions of the
// tile's extent). Tile and overlap are in input pixels. Exposed for the tiled VAE paths and tests.
using TileFn = std::function<at::Tensor(const at::Tensor& tile, const nn::VaeNormStats::Region& owned)>;
at::Tensor run_tiled(const at::Tensor& input, int64_t tile, int64_t overlap, int64_t scale_num, int64_t scale_den,
                     const TileFn& run);

}  // namespace ripen
