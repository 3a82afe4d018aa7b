#include "pipeline/stage_decode.h"

#include <ATen/core/grad_mode.h>

#include <chrono>

#include "models/model.h"

namespace ripen {
namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Shrinks [B, 3, h, w] so its longest side is at most max_side (box filter for whole factors: TAESD's 8x output).
at::Tensor fit_preview(at::Tensor rgb, int max_side) {
  int64_t h = rgb.size(2), w = rgb.size(3);
  if (max_side <= 0 || std::max(h, w) <= max_side) return rgb;
  const int64_t k = (std::max(h, w) + max_side - 1) / max_side;
  if (h % k == 0 && w % k == 0) return at::avg_pool2d(rgb, {k, k});
  double s = double(max_side) / std::max(h, w);
  return at::upsample_bilinear2d(rgb, {std::max<int64_t>(1, int64_t(h * s)), std::max<int64_t>(1, int64_t(w * s))},
                                 false);
}
}  // namespace

Image to_image(const at::Tensor& chw) {
  at::Tensor t = chw.detach().to(at::kCPU, at::kFloat).clamp(0, 1).mul(255).round().to(at::kByte);
  t = t.permute({1, 2, 0}).contiguous();
  Image img;
  img.height = int(t.size(0));
  img.width = int(t.size(1));
  img.rgb.assign(t.data_ptr<uint8_t>(), t.data_ptr<uint8_t>() + t.numel());
  return img;
}

at::Tensor latent_to_rgb(const at::Tensor& latents, const LatentRgbFactors& f) {
  // nets/latent_preview's convention, batched and kept as float for the controller's preview score.
  at::Tensor w = f.weight.to(latents.device(), latents.scalar_type());
  at::Tensor rgb = at::einsum("bchw,cr->brhw", {latents.slice(1, 0, w.size(0)), w});
  rgb = rgb + f.bias.to(rgb.options()).view({1, 3, 1, 1});
  return ((rgb + 1) * 0.5).clamp(0, 1);
}

at::Tensor decode_latents(const AutoencoderKL& vae, const at::Tensor& latents, int64_t tile_latent) {
  at::NoGradGuard no_grad;
  at::Tensor z = vae.from_latent(latents.to(vae.device()));
  const bool tiled = z.size(2) > tile_latent || z.size(3) > tile_latent;
  at::Tensor img = tiled ? vae.decode_tiled(z) : vae.decode(z);
  return (img / 2 + 0.5).clamp(0, 1);
}

StepPreviews::StepPreviews(const models::LoadedModel& model, const PreviewOptions& options, TaesdTiming& timing,
                           int64_t latent_h, int64_t latent_w)
    : model_(model), options_(options), timing_(timing),
      use_taesd_(model.taesd && options.size > 0 && options.taesd_every >= 0),
      sampling_start_(Clock::now()) {
  const std::string key = model.path + " " + std::to_string(latent_h) + "x" + std::to_string(latent_w);
  if (key != timing_.key) timing_ = TaesdTiming{key, 0};
}

void StepPreviews::start_sampling() { sampling_start_ = Clock::now(); }

at::Tensor StepPreviews::rgb(const at::Tensor& denoised) {
  if (options_.size <= 0) return {};
  const auto t = Clock::now();
  at::Tensor p = fit_preview(latent_to_rgb(denoised.detach().to(at::kFloat), model_.latent_rgb), options_.size);
  seconds += since(t);
  return p;
}

// Never on the last step, which the VAE decodes right after.
bool StepPreviews::taesd_due(const PlanStep& s) const {
  if (!use_taesd_ || s.sigma_next <= 0) return false;
  if (options_.taesd_every > 0) return s.event.step % options_.taesd_every == 0;
  const double sampling = since(sampling_start_) - seconds_taesd;
  return seconds_taesd + timing_.seconds <= options_.taesd_budget * sampling;
}

void StepPreviews::attach(StepEvent& e, const PlanStep& s) {
  const auto t = Clock::now();
  if (taesd_due(s)) {
    at::Tensor img = model_.taesd->decode(s.denoised.detach().slice(0, 0, 1));
    e.preview = to_image(fit_preview(img.add(1).mul_(0.5).clamp_(0, 1), options_.size)[0]);
    e.preview_taesd = true;
    timing_.seconds = since(t);
    seconds_taesd += timing_.seconds;
    ++taesd_count;
  } else if (s.preview.defined()) {
    e.preview = to_image(s.preview[0]);
  }
  seconds += since(t);
}

}  // namespace ripen
