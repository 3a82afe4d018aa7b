#include "pipeline/hires.h"

#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "nets/autoencoder_kl.h"
#include "tensors/error.h"

namespace ripen {
namespace {
double sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= std::numbers::pi;
  return std::sin(x) / x;
}
double lanczos3(double x) { return (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3.0) : 0.0; }
}  // namespace

at::Tensor lanczos_resize_matrix(int64_t in, int64_t out, const at::TensorOptions& options) {
  if (in < 1 || out < 1) throw Error("lanczos resize: sizes must be positive");
  // PIL's precompute_coeffs (libImaging/Resample.c), in float64.
  const double scale = double(in) / double(out);
  const double filterscale = std::max(scale, 1.0);
  const double support = 3.0 * filterscale;
  at::Tensor m = at::zeros({out, in}, at::kDouble);
  auto a = m.accessor<double, 2>();
  for (int64_t o = 0; o < out; ++o) {
    const double center = (double(o) + 0.5) * scale;
    int64_t lo = std::max<int64_t>(0, int64_t(center - support + 0.5));
    int64_t hi = std::min<int64_t>(in, int64_t(center + support + 0.5));
    double sum = 0;
    for (int64_t i = lo; i < hi; ++i) sum += lanczos3((double(i) - center + 0.5) / filterscale);
    for (int64_t i = lo; i < hi; ++i)
      a[o][i] = sum != 0.0 ? lanczos3((double(i) - center + 0.5) / filterscale) / sum : 0.0;
  }
  return m.to(options);
}

at::Tensor resize_lanczos(const at::Tensor& images, int64_t height, int64_t width) {
  if (images.dim() != 4) throw Error("lanczos resize: expected images [B, C, H, W]");
  const auto opts = images.options();
  at::Tensor mw = lanczos_resize_matrix(images.size(3), width, opts);
  at::Tensor mh = lanczos_resize_matrix(images.size(2), height, opts);
  return at::matmul(mh, at::matmul(images, mw.t()));
}

at::Tensor upscale_image_to_latents(const AutoencoderKL& vae, const at::Tensor& images01, int64_t factor,
                                    int64_t tile_latent) {
  at::NoGradGuard no_grad;
  const int64_t H = images01.size(2) * factor, W = images01.size(3) * factor;
  at::Tensor big = resize_lanczos(images01.to(at::kFloat), H, W).clamp_(0, 1).mul_(2).sub_(1);
  const int64_t down = vae.config().downscale();
  const bool tiled = H / down > tile_latent || W / down > tile_latent;
  VaeMoments mo = tiled ? vae.encode_tiled(big) : vae.encode(big);
  return vae.to_latent(mo.mean.to(at::kFloat));
}

at::Tensor upscale_latents_bilinear(const at::Tensor& latents, int64_t factor) {
  return at::upsample_bilinear2d(latents, {latents.size(2) * factor, latents.size(3) * factor}, false);
}

HiresSigmas hires_sigmas(const SamplingPlan& plan, const sampling::DiscreteSchedule& model) {
  if (plan.hires_steps < 1) throw Error("hires pass: hires_steps must be >= 1");
  if (!(plan.hires_strength > 0 && plan.hires_strength <= 1)) throw Error("hires pass: strength must lie in (0, 1]");
  const int n = plan.hires_steps;
  // ⌊n / strength⌋, robust to 20 / 0.4 landing on 49.999…
  const int total = std::max(n, int(std::floor(double(n) / plan.hires_strength + 1e-9)));
  std::vector<double> full = sampling::make_sigmas(plan.schedule, total, model);
  HiresSigmas r;
  r.schedule_steps = total;
  r.sigmas.assign(full.end() - (n + 1), full.end());
  r.sigma_r = r.sigmas.front();
  return r;
}

SamplingPlan hires_pass_plan(const SamplingPlan& plan) {
  SamplingPlan p;
  p.schedule = plan.schedule;
  p.steps = plan.hires_steps;
  p.phases = {{plan.hires_sampler, 0, plan.hires_steps}};
  const double cfg = plan.cfg.empty() ? plan.tail_cfg : plan.cfg.back();
  p.cfg.assign(plan.hires_steps, cfg);
  p.tail_cfg = cfg;
  p.eta = plan.eta;
  p.s_noise = plan.s_noise;
  p.solver_type = plan.solver_type;
  p.adaptive.enabled = false;
  p.composition_steps = 0;
  return p;
}

}  // namespace ripen
