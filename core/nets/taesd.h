#pragma once
// TAESD, the tiny distilled autoencoder (madebyollin/taesd; `taesd` for SD 1.x/2.x, `taesdxl` for SDXL: the same
// network, different weights). Used for mid-run previews when its weights are present.
//
// Parameter keys are diffusers' AutoencoderTiny ("decoder.layers.N...", "encoder.layers.N..."): plain 3x3 convs, ReLU,
// Blocks (conv.0 / conv.2 / conv.4 with ReLUs between, a 1x1 `skip` only when channels change, ReLU after the sum),
// nearest x2 upsampling. The original single-part files (taesd_decoder.safetensors, taesdxl_encoder.safetensors, ...)
// number the same layers without a prefix, the decoder's shifted by one (its layer 0 is the Clamp); `load_taesd`
// accepts either layout.
//
// Latent convention: TAESD works directly on UNet-space latents (SD's scaling_factor is baked into its weights;
// diffusers' AutoencoderTiny has scaling_factor 1.0). Images are NCHW in [-1, 1] like AutoencoderKL's.
#include <ATen/ATen.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nets/layers.h"

namespace ripen {

struct TaesdConfig {
  int64_t image_channels = 3;
  int64_t latent_channels = 4;
  std::vector<int64_t> encoder_block_out_channels{64, 64, 64, 64};
  std::vector<int64_t> decoder_block_out_channels{64, 64, 64, 64};
  std::vector<int64_t> num_encoder_blocks{1, 3, 3, 3};
  std::vector<int64_t> num_decoder_blocks{3, 3, 3, 1};
  // diffusers' AutoencoderTiny config.json (missing fields keep the defaults above).
  static TaesdConfig from_json_file(const std::string& path);
};

class Taesd {
 public:
  // Declares "decoder.layers.*" and/or "encoder.layers.*".
  static Taesd bind(ParamStore& ps, const TaesdConfig& cfg, bool with_encoder, bool with_decoder);

  // UNet-space latents -> image NCHW in [-1, 1] (float32). The input is soft-clamped to (-3, 3) first (tanh(x/3)*3).
  at::Tensor decode(const at::Tensor& latent) const;
  // Image NCHW in [-1, 1] -> UNet-space latents (float32).
  at::Tensor encode(const at::Tensor& image) const;

  bool has_encoder() const { return !encoder_.empty(); }
  bool has_decoder() const { return !decoder_.empty(); }
  const TaesdConfig& config() const { return cfg_; }

 private:
  struct Block {
    nn::Conv2d conv0, conv2, conv4, skip;
    at::Tensor operator()(const at::Tensor& x) const;
  };
  // One entry of the Sequential: exactly one kind is set.
  struct Layer {
    enum Kind { Conv, Relu, Block, Upsample } kind;
    nn::Conv2d conv;
    Taesd::Block block;
  };
  static at::Tensor run(const std::vector<Layer>& layers, at::Tensor x);

  TaesdConfig cfg_;
  std::vector<Layer> encoder_, decoder_;
};

// Renames an original-layout part file's keys ("3.conv.0.weight") to diffusers' ("decoder.layers.2.conv.0.weight").
// `decoder` picks the part; returns the tensors unchanged when they already carry the diffusers prefixes.
std::map<std::string, at::Tensor> taesd_keys_to_diffusers(std::map<std::string, at::Tensor> tensors, bool decoder);

// Loads TAESD from a diffusers AutoencoderTiny folder (config.json + diffusion_pytorch_model.safetensors), a combined
// safetensors file, or one or two original part files (decoder and/or encoder, told apart by their first conv's
// input channels). Throws ripen::Error naming the file on mismatches.
Taesd load_taesd(const std::vector<std::string>& paths, at::TensorOptions options = at::TensorOptions().dtype(at::kFloat));

}  // namespace ripen
