#include "nets/latent_preview.h"

#include <algorithm>
#include <cmath>

#include "tensors/error.h"

namespace ripen {

namespace {

// Rows = latent channels, columns = R, G, B. Values as published in ComfyUI's comfy/latent_formats.py
// (classes SD15 and SDXL; https://github.com/comfyanonymous/ComfyUI), the de-facto table for these latent spaces.
constexpr float kSd1Weight[4][3] = {
    {0.3512f, 0.2297f, 0.3227f},
    {0.3250f, 0.4974f, 0.2350f},
    {-0.2829f, 0.1762f, 0.2721f},
    {-0.2120f, -0.2616f, -0.7177f},
};
constexpr float kSd1Bias[3] = {0.0f, 0.0f, 0.0f};
constexpr float kSdxlWeight[4][3] = {
    {0.3651f, 0.4232f, 0.4341f},
    {-0.2533f, -0.0042f, 0.1068f},
    {0.1076f, 0.1111f, -0.0362f},
    {-0.3165f, -0.2492f, -0.2188f},
};
constexpr float kSdxlBias[3] = {0.1084f, -0.0175f, -0.0011f};

LatentRgbFactors make(const float (&w)[4][3], const float (&b)[3]) {
  return {at::from_blob(const_cast<float*>(&w[0][0]), {4, 3}, at::kFloat).clone(),
          at::from_blob(const_cast<float*>(&b[0]), {3}, at::kFloat).clone()};
}

}  // namespace

LatentRgbFactors latent_rgb_factors(const std::string& arch) {
  if (arch == "sd1" || arch == "sd15" || arch == "sd2" || arch == "sd21") return make(kSd1Weight, kSd1Bias);
  if (arch == "sdxl") return make(kSdxlWeight, kSdxlBias);
  throw Error("latent preview: no latent->RGB factors for architecture '" + arch + "'");
}

at::Tensor latent_preview_rgb(const at::Tensor& latent_in, const LatentRgbFactors& f) {
  at::Tensor latent = latent_in.dim() == 4 ? latent_in[0] : latent_in;
  const int64_t C = f.weight.size(0);
  if (latent.dim() != 3 || latent.size(0) != C)
    throw Error("latent preview: expected latents [" + std::to_string(C) + ", h, w], got " +
                std::to_string(latent_in.dim()) + "-D tensor with " + std::to_string(latent.size(0)) + " channels");
  latent = latent.to(at::kCPU, at::kFloat).contiguous();
  const at::Tensor w = f.weight.to(at::kCPU, at::kFloat).contiguous(), b = f.bias.to(at::kCPU, at::kFloat).contiguous();
  const int64_t h = latent.size(1), wd = latent.size(2), n = h * wd;
  at::Tensor out = at::empty({h, wd, 3}, at::kByte);
  const float* x = latent.data_ptr<float>();
  const float* W = w.data_ptr<float>();
  const float* B = b.data_ptr<float>();
  uint8_t* o = out.data_ptr<uint8_t>();
  for (int64_t p = 0; p < n; ++p) {
    for (int c = 0; c < 3; ++c) {
      float v = B[c];
      for (int64_t k = 0; k < C; ++k) v += x[k * n + p] * W[k * 3 + c];
      const float u = std::clamp((v + 1.0f) * 0.5f, 0.0f, 1.0f) * 255.0f;
      o[p * 3 + c] = static_cast<uint8_t>(std::lround(u));
    }
  }
  return out;
}

LatentRgbFactors fit_latent_rgb_factors(const std::vector<at::Tensor>& latents, const std::vector<at::Tensor>& images,
                                        double ridge) {
  if (latents.empty() || latents.size() != images.size())
    throw Error("latent preview fit: need the same non-zero number of latents and images");
  std::vector<at::Tensor> xs, ys;
  for (size_t i = 0; i < latents.size(); ++i) {
    at::Tensor z = latents[i].to(at::kCPU, at::kDouble), img = images[i].to(at::kCPU, at::kDouble);
    if (z.dim() == 3) z = z.unsqueeze(0);
    if (img.dim() == 3) img = img.unsqueeze(0);
    if (z.dim() != 4 || img.dim() != 4 || z.size(0) != img.size(0) || img.size(1) != 3 || img.size(2) % z.size(2) ||
        img.size(3) % z.size(3))
      throw Error("latent preview fit: pair " + std::to_string(i) + " has incompatible shapes");
    const int64_t ky = img.size(2) / z.size(2), kx = img.size(3) / z.size(3);
    at::Tensor pooled = at::avg_pool2d(img, {ky, kx});
    xs.push_back(z.permute({0, 2, 3, 1}).reshape({-1, z.size(1)}));
    ys.push_back(pooled.permute({0, 2, 3, 1}).reshape({-1, 3}));
  }
  at::Tensor X = at::cat(xs), Y = at::cat(ys);
  X = at::cat({X, at::ones({X.size(0), 1}, X.options())}, 1);  // bias column
  at::Tensor A = X.t().mm(X) + ridge * X.size(0) * at::eye(X.size(1), X.options());
  at::Tensor sol = at::linalg_solve(A, X.t().mm(Y));  // [C+1, 3]
  const int64_t C = X.size(1) - 1;
  return {sol.slice(0, 0, C).to(at::kFloat).contiguous(), sol[C].to(at::kFloat).contiguous()};
}

}  // namespace ripen
