#pragma once
// Trains the embedded model's AutoencoderKL on the emoji images (64×64×3 <-> 16×16×4): L1 + L2 reconstruction,
// an L1 loss on image gradients (keeps outlines sharp), and a small KL term.
#include <string>

#include "nets/autoencoder_kl.h"
#include "training/emoji_dataset.h"
#include "training/train_util.h"

namespace ripen::training {

struct VaeTrainOptions : TrainOptions {
  std::string scale = "small";
  double kl_weight = 1e-6;
  double gradient_loss_weight = 0.5;
};

struct VaeEvalResult {
  double psnr_db = 0;   // mean over images of 10·log10(4 / MSE) for images in [-1, 1]
  double mse = 0;
  int64_t images = 0;
};

// Runs (or resumes) training; writes out_dir/checkpoint, loss.csv, loss.png. Returns the held-out PSNR of the
// EMA weights at the end.
VaeEvalResult train_vae(const EmojiDataset& data, const VaeTrainOptions& options);

// Reconstruction quality (posterior mean, no sampling) on `rows` of the dataset.
VaeEvalResult evaluate_vae(const AutoencoderKL& vae, const EmojiDataset& data, const std::vector<int64_t>& rows,
                           const at::Device& device);

// A VAE from a trained run's checkpoint (EMA weights), on `device`, fp32.
AutoencoderKL load_trained_vae(const std::string& run_dir, const std::string& scale, const at::Device& device,
                               ParamStore& storage);

}  // namespace ripen::training
