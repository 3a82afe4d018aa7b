#pragma once
// Precomputed VAE latents of the whole dataset (posterior mean and std, fp16) for the diffusion trainer, plus
// the scaling factor (1 / std of the train latents) that maps them to unit variance ("UNet space").
#include <string>

#include "training/emoji_dataset.h"

namespace ripen::training {

struct LatentInfo {
  double scaling_factor = 1;
  double psnr_db = 0;  // held-out reconstruction of the VAE used
};

// Writes out_path: "mean" and "std" fp16 [N,4,16,16]; metadata scaling_factor, vae_dir, psnr_db.
LatentInfo encode_latents(const EmojiDataset& data, const std::string& vae_dir, const std::string& scale,
                          const at::Device& device, const std::string& out_path);

struct LatentSet {
  at::Tensor mean, std;  // float32, VAE space
  double scaling_factor = 1;
};
LatentSet load_latents(const std::string& path);

}  // namespace ripen::training
