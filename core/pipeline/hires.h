#pragma once
// Quality mode's 2x hires pass ("hires fix" to AUTOMATIC1111 and ComfyUI users), the parts beside the
// generation flow (Pipeline::run runs them: base pass → upscale → re-noise → hires pass → decode at 2x):
//  * upscaling the base result 2x. "image": VAE-decode, Lanczos-3 resize (PIL's filter, what A1111's "Lanczos"
//    upscaler does), clamp to [0, 1], VAE-encode and take the encoder's mean (deterministic, where A1111 samples
//    the posterior). "latent": bilinear interpolation of the UNet-space latent (A1111's "Latent" upscaler:
//    bilinear, align_corners = false, no antialias). Interpolating a latent blurs structure the VAE decodes into
//    texture, so latent mode wants a higher strength (about 0.55–0.7; A1111's hires default is 0.7) than image
//    mode (0.3–0.5).
//  * the pass's σ sequence, with ComfyUI's `denoise` semantics (A1111's "img2img: do exactly the amount of steps
//    the slider specifies"): of an N = ⌊hires_steps / strength⌋-step schedule of the plan's kind, the last
//    hires_steps steps are run, so the pass starts at σ_r = σ_{N − hires_steps}, about (1 − strength)·N steps
//    in (the same point promote polish picks for that strength), and takes exactly hires_steps steps to σ = 0.
//  * the pass's plan: the plan's hires sampler (quality: dpmpp_sde) over those steps at the base plan's final
//    guidance, with its eta/s_noise; no adaptive stop, no composition latent.
// The re-noise x_r = x_up + σ_r·n uses n = the unit increment W(σ_r) − W(0) of each image seed's Brownian path
// at the 2x latent size, and the hires sampler's step noise comes from the same paths (as promote polish does).
#include <ATen/ATen.h>

#include <vector>

#include "pipeline/presets.h"
#include "sampling/schedules.h"

namespace ripen {

class AutoencoderKL;

// PIL's Lanczos-3 resampling weights as a matrix [out, in] (window clipped at the borders, renormalised; a
// downscale widens the filter by the scale, so it also antialiases).
at::Tensor lanczos_resize_matrix(int64_t in, int64_t out, const at::TensorOptions& options);
// Separable Lanczos-3 resize of float images [B, C, H, W] (no clamping: the filter overshoots near edges).
at::Tensor resize_lanczos(const at::Tensor& images, int64_t height, int64_t width);

// Image-mode upscale of decoded images [B, 3, H, W] in [0, 1] to `factor`× their size, encoded back to the
// VAE's UNet space ((mean − shift)·scaling_factor). Encodes tiled when a latent side exceeds tile_latent.
at::Tensor upscale_image_to_latents(const AutoencoderKL& vae, const at::Tensor& images01, int64_t factor,
                                    int64_t tile_latent);
// Latent-mode upscale: bilinear, align_corners = false.
at::Tensor upscale_latents_bilinear(const at::Tensor& latents, int64_t factor);

struct HiresSigmas {
  std::vector<double> sigmas;  // hires_steps + 1 values from σ_r down to 0
  double sigma_r = 0;          // where the pass starts (the re-noise level)
  int schedule_steps = 0;      // N of the schedule the pass runs the tail of
};
HiresSigmas hires_sigmas(const SamplingPlan& plan, const sampling::DiscreteSchedule& model);

// The plan the pass runs over HiresSigmas::sigmas.
SamplingPlan hires_pass_plan(const SamplingPlan& plan);

}  // namespace ripen
