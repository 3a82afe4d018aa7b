#pragma once
// Stage 4 of a generation: latents → pictures. The VAE decode of the final latents (tiled when large) and the
// step previews: the latent→RGB map every step (the adaptive controller scores it too) and, when the model has
// TAESD weights, a TAESD picture on a schedule that keeps previews under a budget of the sampling time.
#include <ATen/ATen.h>

#include <string>

#include "nets/latent_preview.h"
#include "pipeline/events.h"
#include "pipeline/plan_runner.h"

namespace ripen {

class AutoencoderKL;
namespace models { struct LoadedModel; }

// Float image [3, H, W] in [0, 1] → 8-bit RGB (round to nearest).
Image to_image(const at::Tensor& chw);
// Latent → RGB linear approximation (no network) with a model's factors: [B, C, h, w] → [B, 3, h, w] in [0, 1].
at::Tensor latent_to_rgb(const at::Tensor& latents, const LatentRgbFactors& factors);
// UNet-space latents → float images [B, 3, H, W] in [0, 1]; tiled when a latent side exceeds tile_latent.
at::Tensor decode_latents(const AutoencoderKL& vae, const at::Tensor& latents, int64_t tile_latent);

struct PreviewOptions {
  int size = 128;              // longest side (0: no previews)
  // TAESD: 0 = automatic (a step gets one while the TAESD time so far plus one more decode stays within
  // `taesd_budget` of the sampling time so far), N > 0 = every N-th step, -1 = never.
  int taesd_every = 0;
  double taesd_budget = 0.04;
};

// The last TAESD decode time per model and latent size, kept across runs for the automatic schedule.
struct TaesdTiming {
  std::string key;
  double seconds = 0;  // 0: not measured yet
};

// Previews of one run. Not thread-safe; lives as long as the run.
class StepPreviews {
 public:
  StepPreviews(const models::LoadedModel& model, const PreviewOptions& options, TaesdTiming& timing,
               int64_t latent_h, int64_t latent_w);
  // The controller's preview of a step's x0 estimate, [B, 3, h', w'] (undefined when previews are off).
  at::Tensor rgb(const at::Tensor& denoised);
  // Puts the step's picture into the event: TAESD when due, else the latent→RGB preview.
  void attach(StepEvent& event, const PlanStep& step);
  void start_sampling();

  double seconds = 0;        // all preview work (part of the sampling time)
  double seconds_taesd = 0;  // its TAESD part
  int taesd_count = 0;

 private:
  bool taesd_due(const PlanStep& step) const;
  const models::LoadedModel& model_;
  PreviewOptions options_;
  TaesdTiming& timing_;
  bool use_taesd_;
  std::chrono::steady_clock::time_point sampling_start_;
};

}  // namespace ripen
