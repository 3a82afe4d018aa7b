#pragma once
// Image metrics the benchmarks and issues quote (design.md, "Quality and speed metrics").
#include <ATen/ATen.h>

#include "pipeline/request.h"

namespace ripen {

// Luma (BT.601: 0.299 R + 0.587 G + 0.114 B) in [0, 1]: [H, W] float64.
at::Tensor luma(const Image& img);
// Same from a float image tensor [3, H, W] (or [1, 3, H, W]) in [0, 1].
at::Tensor luma(const at::Tensor& rgb);

// Mean SSIM over luma: 11×11 Gaussian window (σ = 1.5) over the valid region, K1 = 0.01, K2 = 0.03, L = 1
// (Wang et al. 2004). Both images must have the same size, at least 11×11. Throws ripen::Error otherwise.
double ssim(const Image& a, const Image& b);
double ssim_luma(const at::Tensor& a, const at::Tensor& b);  // [H, W] luma in [0, 1]

// High-frequency energy: variance of the 3×3 Laplacian (0 1 0 / 1 -4 1 / 0 1 0) of luma (in [0, 1] units),
// over the valid region.
double laplacian_variance(const Image& img);
double laplacian_variance_luma(const at::Tensor& y);
// The same over the pixels where `mask` ([H, W] bool, e.g. an image's edge mask) is set, within the valid region;
// 0 when none is.
double laplacian_variance_in(const at::Tensor& y, const at::Tensor& mask);

}  // namespace ripen
