#include "pipeline/mask.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>

#include "tensors/error.h"

namespace ripen {
namespace {
at::Tensor pixels_u8(const RgbaPixels& p) {
  if (p.width <= 0 || p.height <= 0 || p.rgba.size() != size_t(p.width) * size_t(p.height) * 4)
    throw Error("image pixels: expected " + std::to_string(p.width) + "x" + std::to_string(p.height) + " RGBA");
  return at::from_blob(const_cast<uint8_t*>(p.rgba.data()), {p.height, p.width, 4}, at::kByte)
      .permute({2, 0, 1})
      .unsqueeze(0)
      .to(at::kFloat);
}

// Reflect-101 indices (cv2's default border: … 2 1 | 0 1 2 … n−1 | n−2 …) for positions −r … n−1+r.
at::Tensor reflect101_index(int64_t n, int64_t r) {
  std::vector<int64_t> idx;
  idx.reserve(size_t(n + 2 * r));
  for (int64_t i = -r; i < n + r; ++i) {
    int64_t j = i;
    if (n == 1) j = 0;
    while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
    idx.push_back(j);
  }
  return at::tensor(idx, at::kLong);
}

// x [N, C, H, W] convolved with a 1-D kernel along `dim` (2 or 3), borders reflected.
at::Tensor conv_axis(const at::Tensor& x, const at::Tensor& kernel, int64_t dim) {
  const int64_t r = (kernel.numel() - 1) / 2, n = x.size(dim);
  at::Tensor padded = x.index_select(dim, reflect101_index(n, r).to(x.device()));
  const int64_t C = x.size(1);
  at::Tensor w = kernel.to(x.options()).view(dim == 3 ? std::vector<int64_t>{1, 1, 1, kernel.numel()}
                                                       : std::vector<int64_t>{1, 1, kernel.numel(), 1});
  return at::conv2d(padded, w.repeat({C, 1, 1, 1}), at::Tensor(), at::IntArrayRef{1, 1}, at::IntArrayRef{0, 0},
                    at::IntArrayRef{1, 1}, C);
}

at::Tensor gaussian_kernel(double sigma, int64_t size) {
  at::Tensor i = at::arange(size, at::kDouble) - double(size - 1) / 2;
  at::Tensor k = at::exp(-(i * i) / (2 * sigma * sigma));
  return (k / k.sum()).to(at::kFloat);
}

at::Tensor blur(const at::Tensor& x, double sigma) {
  const int64_t size = 2 * int64_t(2.5 * sigma + 0.5) + 1;
  at::Tensor k = gaussian_kernel(sigma, size);
  return conv_axis(conv_axis(x, k, 3), k, 2);
}

// A Gaussian blur of large radius on a reduced copy (the fill only needs the colours' drift, not their detail).
at::Tensor soft_blur(const at::Tensor& x, double radius) {
  if (radius <= 0) return x;
  const int64_t f = std::max<int64_t>(1, int64_t(radius / 8));
  if (f == 1) return blur(x, radius);
  const int64_t h = std::max<int64_t>(1, x.size(2) / f), w = std::max<int64_t>(1, x.size(3) / f);
  at::Tensor small = at::adaptive_avg_pool2d(x, {h, w});
  return at::upsample_bilinear2d(blur(small, radius * double(h) / double(x.size(2))), {x.size(2), x.size(3)}, false);
}
}  // namespace

at::Tensor rgb_tensor(const RgbaPixels& p) { return pixels_u8(p).slice(1, 0, 3) / 255.0; }

at::Tensor mask_tensor(const RgbaPixels& p) {
  at::Tensor px = pixels_u8(p);
  at::Tensor alpha = px.slice(1, 3, 4);
  if (alpha.min().item<float>() < 255) return alpha / 255.0;
  // PIL's "L" conversion in integers: (R·299 + G·587 + B·114) / 1000, rounded.
  at::Tensor l = (px.select(1, 0) * 299 + px.select(1, 1) * 587 + px.select(1, 2) * 114 + 500).div(1000, "floor");
  return l.unsqueeze(1) / 255.0;
}

at::Tensor resize_nearest(const at::Tensor& x, int64_t height, int64_t width) {
  if (x.size(2) == height && x.size(3) == width) return x;
  return at::upsample_nearest2d(x, {height, width});
}

at::Tensor binarize(const at::Tensor& mask) { return (mask >= 0.5).to(mask.scalar_type()); }

at::Tensor gaussian_blur(const at::Tensor& mask, double sigma) { return sigma > 0 ? blur(mask, sigma) : mask; }

at::Tensor latent_mask_rounded(const at::Tensor& mask, int64_t down) {
  at::Tensor avg = at::avg_pool2d(mask, {down, down}, {down, down});
  return (avg >= 0.5).to(mask.scalar_type());
}

Box mask_box(const at::Tensor& mask) {
  at::Tensor m = mask.reshape({mask.size(-2), mask.size(-1)}) > 0;
  at::Tensor rows = m.any(1).nonzero(), cols = m.any(0).nonzero();
  if (rows.numel() == 0) return {};
  return {cols.min().item<int64_t>(), rows.min().item<int64_t>(), cols.max().item<int64_t>() + 1,
          rows.max().item<int64_t>() + 1};
}

Box crop_region(const at::Tensor& mask, int64_t padding, int64_t width, int64_t height) {
  const int64_t W = mask.size(-1), H = mask.size(-2);
  Box b = mask_box(mask);
  if (b.empty()) return b;
  b = {std::max<int64_t>(b.x0 - padding, 0), std::max<int64_t>(b.y0 - padding, 0), std::min(b.x1 + padding, W),
       std::min(b.y1 + padding, H)};
  // masking.expand_crop_region: grow the short side to the processing aspect, shift back inside the picture.
  auto grow = [](int64_t& a0, int64_t& a1, double desired, int64_t limit) {
    const int64_t diff = int64_t(desired - double(a1 - a0));
    a0 -= diff / 2;
    a1 += diff - diff / 2;
    if (a1 >= limit) {
      const int64_t d = a1 - limit;
      a1 -= d;
      a0 -= d;
    }
    if (a0 < 0) {
      a1 -= a0;
      a0 = 0;
    }
    if (a1 >= limit) a1 = limit;
  };
  const double ratio_crop = double(b.width()) / double(b.height()), ratio = double(width) / double(height);
  if (ratio_crop > ratio)
    grow(b.y0, b.y1, double(b.width()) / ratio, H);
  else
    grow(b.x0, b.x1, double(b.height()) * ratio, W);
  return b;
}

at::Tensor crop(const at::Tensor& x, const Box& b) { return x.slice(2, b.y0, b.y1).slice(3, b.x0, b.x1); }

at::Tensor fill_masked(const at::Tensor& image, const at::Tensor& mask) {
  const at::Tensor keep = 1 - mask;  // the layer's alpha: the picture outside the mask
  const at::Tensor premul = at::cat({image * keep, keep}, 1);
  at::Tensor rgb = at::zeros_like(image), a = at::zeros_like(mask);
  const std::pair<double, int> passes[] = {{256, 1}, {64, 1}, {16, 2}, {4, 4}, {2, 2}, {0, 1}};
  for (const auto& [radius, repeats] : passes) {
    at::Tensor b = soft_blur(premul, radius);
    at::Tensor sa = b.slice(1, 3, 4).clamp(0, 1);
    at::Tensor src = b.slice(1, 0, 3) / sa.clamp_min(1e-6);
    for (int k = 0; k < repeats; ++k) {  // straight-alpha "over"
      at::Tensor out_a = sa + a * (1 - sa);
      rgb = (src * sa + rgb * a * (1 - sa)) / out_a.clamp_min(1e-6);
      a = out_a;
    }
  }
  return rgb.clamp(0, 1);
}

at::Tensor extend_canvas(const at::Tensor& image, int64_t left, int64_t right, int64_t top, int64_t bottom,
                         bool noise_fill, uint64_t seed) {
  if (left < 0 || right < 0 || top < 0 || bottom < 0) throw Error("outpaint: margins must be >= 0");
  at::Tensor edge = at::replication_pad2d(image, {left, right, top, bottom});
  if (!noise_fill) return edge;
  auto gen = at::detail::createCPUGenerator(seed);
  at::Tensor noise = at::rand(edge.sizes(), gen, at::TensorOptions().dtype(at::kFloat));
  at::Tensor inside = at::zeros({1, 1, image.size(2), image.size(3)}, at::kFloat);
  at::Tensor outside = at::constant_pad_nd(inside, {left, right, top, bottom}, 1.0);
  return edge * (1 - outside) + noise.to(edge.options()) * outside;
}

}  // namespace ripen
