#pragma once
// The always-available preview: a per-architecture linear map from UNet-space latents to RGB, one output pixel per
// latent pixel (64x64 for a 512x512 SD image), in well under a millisecond.
//
// rgb[-1, 1] = latent · weight + bias, then uint8 = clamp((rgb + 1) / 2, 0, 1) · 255 (ComfyUI's Latent2RGB preview
// convention). The tables are fitted by least squares against the real VAE, so other VAEs / the embedded model fit
// their own with `fit_latent_rgb_factors`.
#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace ripen {

struct LatentRgbFactors {
  at::Tensor weight;  // [C, 3] float32
  at::Tensor bias;    // [3] float32
};

// "sd1" / "sd15" / "sd2" / "sd21" (SD 1.x and 2.x share the VAE) or "sdxl". Throws ripen::Error for others.
LatentRgbFactors latent_rgb_factors(const std::string& arch);

// latent: [C, h, w] or [1, C, h, w] UNet-space latents, any device/dtype -> uint8 CPU [h, w, 3].
at::Tensor latent_preview_rgb(const at::Tensor& latent, const LatentRgbFactors& factors);

// Fits factors from pairs of UNet-space latents [N, C, h, w] and decoded images [N, 3, H, W] in [-1, 1] (H, W
// multiples of h, w; the images are average-pooled to latent resolution). Solves the ridge-regularised least squares
// [latent 1] · [W; b] ≈ rgb in float64.
LatentRgbFactors fit_latent_rgb_factors(const std::vector<at::Tensor>& latents, const std::vector<at::Tensor>& images,
                                        double ridge = 1e-6);

}  // namespace ripen
