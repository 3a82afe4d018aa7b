#include "pipeline/metrics.h"

#include <cmath>

#include "tensors/error.h"

namespace ripen {

at::Tensor luma(const Image& img) {
  if (img.empty() || img.rgb.size() != static_cast<size_t>(img.width) * img.height * 3)
    throw Error("metrics: image is empty or its pixel buffer does not match its size");
  at::Tensor t = at::from_blob(const_cast<uint8_t*>(img.rgb.data()), {img.height, img.width, 3}, at::kByte)
                     .to(at::kDouble)
                     .div(255.0);
  return t.select(2, 0) * 0.299 + t.select(2, 1) * 0.587 + t.select(2, 2) * 0.114;
}

at::Tensor luma(const at::Tensor& rgb) {
  at::Tensor t = rgb.dim() == 4 ? rgb[0] : rgb;
  if (t.dim() != 3 || t.size(0) != 3) throw Error("metrics: expected an RGB tensor [3, H, W]");
  t = t.to(at::kDouble);
  return t[0] * 0.299 + t[1] * 0.587 + t[2] * 0.114;
}

namespace {
at::Tensor gaussian_window(int size, double sigma) {
  at::Tensor x = at::arange(size, at::kDouble) - (size - 1) / 2.0;
  at::Tensor g = at::exp(-(x * x) / (2 * sigma * sigma));
  g = g / g.sum();
  return at::outer(g, g).view({1, 1, size, size});
}
at::Tensor filt(const at::Tensor& y, const at::Tensor& w) { return at::conv2d(y.view({1, 1, y.size(0), y.size(1)}), w); }
}  // namespace

double ssim_luma(const at::Tensor& a_, const at::Tensor& b_) {
  if (a_.sizes() != b_.sizes()) throw Error("ssim: images differ in size");
  if (a_.dim() != 2 || a_.size(0) < 11 || a_.size(1) < 11) throw Error("ssim: images must be at least 11x11");
  at::Tensor a = a_.to(at::kDouble).contiguous(), b = b_.to(at::kDouble).contiguous();
  const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
  at::Tensor w = gaussian_window(11, 1.5);
  at::Tensor mu_a = filt(a, w), mu_b = filt(b, w);
  at::Tensor s_aa = filt(a * a, w) - mu_a * mu_a;
  at::Tensor s_bb = filt(b * b, w) - mu_b * mu_b;
  at::Tensor s_ab = filt(a * b, w) - mu_a * mu_b;
  at::Tensor map = ((2 * mu_a * mu_b + c1) * (2 * s_ab + c2)) / ((mu_a * mu_a + mu_b * mu_b + c1) * (s_aa + s_bb + c2));
  return map.mean().item<double>();
}

double ssim(const Image& a, const Image& b) {
  if (a.width != b.width || a.height != b.height) throw Error("ssim: images differ in size");
  return ssim_luma(luma(a), luma(b));
}

double laplacian_variance_luma(const at::Tensor& y) {
  if (y.dim() != 2 || y.size(0) < 3 || y.size(1) < 3) throw Error("laplacian variance: image must be at least 3x3");
  at::Tensor k = at::tensor({0., 1., 0., 1., -4., 1., 0., 1., 0.}, at::kDouble).view({1, 1, 3, 3});
  return filt(y.to(at::kDouble).contiguous(), k).var(/*unbiased=*/false).item<double>();
}

double laplacian_variance_in(const at::Tensor& y, const at::Tensor& mask) {
  if (mask.sizes() != y.sizes()) throw Error("laplacian variance: the mask differs in size from the image");
  if (y.dim() != 2 || y.size(0) < 3 || y.size(1) < 3) throw Error("laplacian variance: image must be at least 3x3");
  at::Tensor k = at::tensor({0., 1., 0., 1., -4., 1., 0., 1., 0.}, at::kDouble).view({1, 1, 3, 3});
  const at::Tensor lap = filt(y.to(at::kDouble).contiguous(), k).view({y.size(0) - 2, y.size(1) - 2});
  const at::Tensor inside = mask.to(at::kBool).narrow(0, 1, y.size(0) - 2).narrow(1, 1, y.size(1) - 2);
  const at::Tensor v = lap.masked_select(inside);
  return v.numel() ? v.var(/*unbiased=*/false).item<double>() : 0.0;
}

double laplacian_variance(const Image& img) { return laplacian_variance_luma(luma(img)); }

}  // namespace ripen
