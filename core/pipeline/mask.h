#pragma once
// Pixel-space operations on inpainting masks and pictures, as float tensors: masks [1, 1, H, W] in [0, 1]
// (1 = repaint), pictures [1, 3, H, W] in [0, 1].
#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ripen {

// 8-bit RGBA pixels as the app's image reader hands them over (row-major, interleaved).
struct RgbaPixels {
  int width = 0, height = 0;
  std::vector<uint8_t> rgba;
};

// The picture's RGB as [1, 3, H, W] in [0, 1] (alpha dropped).
at::Tensor rgb_tensor(const RgbaPixels& p);
// Which channel of a mask file is the mask: the alpha channel when the file has any transparency (a painted layer:
// opaque = repaint), else the luma of the RGB (PIL "L": (299·R + 587·G + 114·B) / 1000; white = repaint).
at::Tensor mask_tensor(const RgbaPixels& p);

// Nearest-neighbour resize (PyTorch's: source pixel ⌊i·in/out⌋), for masks.
at::Tensor resize_nearest(const at::Tensor& x, int64_t height, int64_t width);
// ≥ 0.5 → 1, else 0 (diffusers' VaeImageProcessor do_binarize; 128/255 → 1).
at::Tensor binarize(const at::Tensor& mask);
// A1111's mask blur: cv2.GaussianBlur with σ = `sigma` and kernel size 2⌊2.5σ + 0.5⌋ + 1 along x then y, borders
// reflected (BORDER_REFLECT_101). sigma ≤ 0 returns the mask.
at::Tensor gaussian_blur(const at::Tensor& mask, double sigma);
// The latent-resolution mask for the 4-channel blend under A1111's handling: the mask averaged over each
// downscale×downscale cell and rounded (A1111 resizes to latent size and rounds: exactly 0 or 1).
at::Tensor latent_mask_rounded(const at::Tensor& mask, int64_t down);

// A box [x0, x1) × [y0, y1) in pixels.
struct Box {
  int64_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  int64_t width() const { return x1 - x0; }
  int64_t height() const { return y1 - y0; }
  bool empty() const { return x1 <= x0 || y1 <= y0; }
  bool operator==(const Box&) const = default;
};
// The box of the mask's nonzero pixels (empty when nothing is selected).
Box mask_box(const at::Tensor& mask);
// A1111's "Only masked" region (modules/masking.py): the mask's box grown by `padding` (clipped to the picture),
// then widened along one axis to the processing aspect width:height, kept inside the picture.
Box crop_region(const at::Tensor& mask, int64_t padding, int64_t width, int64_t height);
at::Tensor crop(const at::Tensor& x, const Box& b);

// A1111's masked content "fill": the masked area painted with the picture's surrounding colours, blurred in from
// the edge (premultiplied Gaussian blurs of radius 256, 64, 16, 4, 2, 0 composited over one another).
at::Tensor fill_masked(const at::Tensor& image, const at::Tensor& mask);

// Outpainting's canvas: `image` extended by the given pixels on each side, the new area filled with the edge
// pixels repeated (edge) or uniform noise from `seed` (noise).
at::Tensor extend_canvas(const at::Tensor& image, int64_t left, int64_t right, int64_t top, int64_t bottom,
                         bool noise_fill, uint64_t seed);

}  // namespace ripen
