#include "training/retention_map.h"

#include "tensors/error.h"

namespace ripen::training {

at::Tensor sobel_magnitude(const at::Tensor& images) {
  if (images.dim() != 4 || images.size(1) != 3) throw Error("sobel_magnitude: expected images [N, 3, H, W]");
  const at::Tensor rgb = (images.to(at::kFloat) + 1) * 0.5;
  const at::Tensor luma = (rgb.select(1, 0) * 0.299 + rgb.select(1, 1) * 0.587 + rgb.select(1, 2) * 0.114).unsqueeze(1);
  // The 1/4 makes a unit step read 1: the weights on either side of the centre column sum to 1 + 2 + 1.
  const at::Tensor kx = at::tensor({-1.f, 0.f, 1.f, -2.f, 0.f, 2.f, -1.f, 0.f, 1.f}).view({1, 1, 3, 3}) / 4.0;
  const at::Tensor ky = kx.transpose(2, 3).contiguous();
  const at::Tensor padded = at::replication_pad2d(luma, {1, 1, 1, 1});
  const at::Tensor gx = at::conv2d(padded, kx.to(padded.device())), gy = at::conv2d(padded, ky.to(padded.device()));
  return (gx.pow(2) + gy.pow(2)).sqrt();
}

at::Tensor retention_map(const at::Tensor& images, int64_t factor, double weight, double threshold) {
  if (factor < 1 || images.size(2) % factor || images.size(3) % factor)
    throw Error("retention_map: image size is not a multiple of the latent factor " + std::to_string(factor));
  if (!(weight >= 1)) throw Error("retention weight must be >= 1 (1 is plain LCM)");
  const at::Tensor texture = sobel_magnitude(images).gt(threshold).to(at::kFloat);
  const at::Tensor share = at::avg_pool2d(texture, {factor, factor});
  const at::Tensor w = 1 + (weight - 1) * share;
  return w / w.mean({1, 2, 3}, true);
}

}  // namespace ripen::training
