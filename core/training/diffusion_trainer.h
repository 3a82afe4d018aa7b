#pragma once
// Trains the embedded model's text encoder (CLIP-style, sentencepiece ids) and UNet2DCondition jointly on the
// precomputed VAE latents: SD's eps-prediction with the scaled-linear 1000-step schedule (β 0.00085 → 0.012),
// latents sampled from the VAE posterior and multiplied by the scaling factor, uniform timesteps, min-SNR-γ loss
// weighting, 10% of captions replaced by the empty prompt (classifier-free guidance), EMA, AdamW.
// Both networks share one ParamStore (their keys don't collide: "text_model.*" vs the UNet's).
#include <string>

#include "nets/unet.h"
#include "text/clip_text_model.h"
#include "training/emoji_dataset.h"
#include "training/latents.h"
#include "training/train_util.h"

namespace ripen::training {

struct DiffusionTrainOptions : TrainOptions {
  std::string scale = "small";
  int64_t vocab_size = 2048;   // from the tokenizer
  double cfg_dropout = 0.1;
  double min_snr_gamma = 5.0;  // 0 = plain MSE
  // A trained model folder (diffusers layout: unet/, text_encoder/) to start from instead of random weights:
  // tensors whose names match are copied (shapes must agree), the rest keep their random init. Derives one
  // scale from another (lean from small). A checkpoint being resumed takes precedence.
  std::string init_from;
};

// What init_from copied; throws ripen::Error naming the file and key when a shape disagrees.
struct InitReport {
  int64_t copied = 0;
  std::vector<std::string> kept_random, unused;  // target keys not in the model; model keys not in the target
};
InitReport init_from_model(const ParamStore& ps, const std::string& model_dir);

// SD's scaled-linear schedule: alphas_cumprod [1000] (double).
at::Tensor scaled_linear_alphas_cumprod(int64_t steps = 1000, double beta_start = 0.00085, double beta_end = 0.012);

text::ClipTextConfig embedded_text_config(const std::string& scale, int64_t vocab_size);

struct DiffusionModel {
  text::ClipTextModel text;
  UNet2DCondition unet;
};
DiffusionModel bind_diffusion_model(ParamStore& ps, const std::string& scale, int64_t vocab_size);

// One training loss evaluation (exposed for tests). `step` seeds all randomness.
at::Tensor diffusion_loss(const DiffusionModel& m, const EmojiDataset& data, const LatentSet& lat,
                          const std::vector<int64_t>& rows, const DiffusionTrainOptions& o, int64_t step,
                          const at::Tensor& alphas_cumprod);

// Runs (or resumes) training into out_dir; returns the final smoothed loss.
double train_diffusion(const EmojiDataset& data, const LatentSet& lat, const DiffusionTrainOptions& options);

}  // namespace ripen::training
