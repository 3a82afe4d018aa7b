#pragma once
// Measurements for `ripen-cli bench`: what the pipeline adds per step around the UNet, and end-to-end time per
// preset on a real model.
#include <ATen/ATen.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipeline/pipeline.h"

namespace ripen {

struct StepOverhead {
  double sampler_seconds_per_step = 0;  // sampler math + noise + controller + events, per step (no network)
  double preview_seconds_per_step = 0;  // latent→RGB preview + 8-bit conversion, per step
  int steps = 0;
};

// Runs `plan` (Fast-Track by default) on a free denoiser over latents [batch, 4, h, w] and times what is not the
// network. `repeats` runs, the fastest kept.
StepOverhead measure_step_overhead(int64_t batch, int64_t latent_h, int64_t latent_w, const SamplingPlan& plan,
                                   const at::Device& device, int repeats = 3);

// One step preview of the first image at latent size h x w: the latent→RGB map, and a TAESD decode (random
// weights: same cost as real ones) shrunk to `preview_size`, both including the 8-bit conversion. Fastest of
// `repeats` after a warm-up.
struct TaesdPreviewCost {
  double linear_seconds = 0;
  double taesd_seconds = 0;
};
TaesdPreviewCost measure_taesd_preview(int64_t latent_h, int64_t latent_w, int preview_size, const at::Device& device,
                                       int repeats = 3);

// End to end on a model: each preset once after one warm-up, seconds and UNet evaluations per preset, the
// measured split (UNet, preview, rest), and the fast-vs-quality SSIM of the same seed beside two seeds' floor.
nlohmann::json bench_presets(Pipeline& pipeline, const GenerationRequest& base, const std::vector<Preset>& presets);

}  // namespace ripen
