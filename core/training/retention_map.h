#pragma once
// The retention weight of Ripen's LCM distillation: a per-latent-pixel loss weight that is `weight`× where the
// training image has texture and 1× where it is flat, so a few-step student is pushed hardest where plain LCM
// students wash detail out.
//
// Texture is found with the Sobel gradient magnitude of the luma (in [0, 1], kernel normalised so a step edge of
// contrast c measures c), thresholded at `threshold`. Sobel rather than local variance: the emoji set is flat
// fills with outlines and soft shading, and local variance marks smooth shading gradients as texture while the
// gradient threshold keeps to outlines and fine marks — the same edge mask the texture-retention metric measures in
// (pipeline/metrics.h). The mask is taken to latent resolution by average pooling (the share of texture pixels
// under each latent pixel), so a latent pixel half on an edge gets a weight halfway, then each image's map is
// divided by its own mean: the loss keeps its scale whatever share of the image is texture.
#include <ATen/ATen.h>

namespace ripen::training {

// Luma Sobel magnitude of images [N, 3, H, W] in [-1, 1]: [N, 1, H, W] (replicate padding at the border).
at::Tensor sobel_magnitude(const at::Tensor& images);

// images [N, 3, H, W] in [-1, 1] -> weights [N, 1, H / factor, W / factor], mean 1 per image. weight 1: all ones.
at::Tensor retention_map(const at::Tensor& images, int64_t factor, double weight, double threshold = 0.1);

}  // namespace ripen::training
