#include "training/vae_trainer.h"
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "tensors/error.h"
#include "training/embedded_config.h"

namespace ripen::training {

namespace {

at::Tensor gather_batch(const EmojiDataset& data, const std::vector<int64_t>& rows, const at::Generator& gen,
                        int64_t batch, const at::Device& device, bool flip) {
  auto pick = at::randint(static_cast<int64_t>(rows.size()), {batch}, gen, at::TensorOptions().dtype(at::kLong));
  auto idx = at::tensor(rows, at::kLong).index_select(0, pick);
  auto x = images_to_float(data.images.index_select(0, idx), device);
  if (flip) {  // horizontal flips: the autoencoder need not care about orientation
    auto mask = at::rand({batch}, gen).lt(0.5).to(device).view({batch, 1, 1, 1});
    x = at::where(mask, x.flip({3}), x);
  }
  return x;
}

at::Tensor image_gradients_l1(const at::Tensor& a, const at::Tensor& b) {
  auto dx = [](const at::Tensor& t) { return t.narrow(3, 1, t.size(3) - 1) - t.narrow(3, 0, t.size(3) - 1); };
  auto dy = [](const at::Tensor& t) { return t.narrow(2, 1, t.size(2) - 1) - t.narrow(2, 0, t.size(2) - 1); };
  return (dx(a) - dx(b)).abs().mean() + (dy(a) - dy(b)).abs().mean();
}

}  // namespace

VaeEvalResult evaluate_vae(const AutoencoderKL& vae, const EmojiDataset& data, const std::vector<int64_t>& rows,
                           const at::Device& device) {
  at::NoGradGuard g;
  VaeEvalResult r;
  double psnr_sum = 0, mse_sum = 0;
  for (size_t s = 0; s < rows.size(); s += 64) {
    std::vector<int64_t> part(rows.begin() + s, rows.begin() + std::min(rows.size(), s + 64));
    auto x = images_to_float(data.images.index_select(0, at::tensor(part, at::kLong)), device);
    auto y = vae.decode(vae.encode(x).mean).clamp(-1, 1);
    // quantize like a saved image would be
    auto yq = y.add(1).mul(127.5).round().div(127.5).sub(1);
    auto mse = (yq - x).pow(2).mean({1, 2, 3}).to(at::kDouble).cpu();
    for (int64_t i = 0; i < mse.numel(); ++i) {
      double m = std::max(mse[i].item<double>(), 1e-10);
      psnr_sum += 10 * std::log10(4.0 / m);
      mse_sum += m;
    }
  }
  r.images = static_cast<int64_t>(rows.size());
  if (r.images) r.psnr_db = psnr_sum / r.images, r.mse = mse_sum / r.images;
  return r;
}

AutoencoderKL load_trained_vae(const std::string& run_dir, const std::string& scale, const at::Device& device,
                               ParamStore& storage) {
  auto w = load_checkpoint_weights(run_dir, true);
  storage = ParamStore::from_tensors(std::move(w), run_dir + "/checkpoint/ema.safetensors",
                                     at::TensorOptions().dtype(at::kFloat).device(device));
  auto vae = AutoencoderKL::bind(storage, embedded_vae_config(scale));
  storage.finish();
  return vae;
}

VaeEvalResult train_vae(const EmojiDataset& data, const VaeTrainOptions& o) {
  if (o.out_dir.empty()) throw Error("train vae: no output folder");
  std::filesystem::create_directories(o.out_dir);
  const at::Device device = o.torch_device();
  auto cfg = embedded_vae_config(o.scale);
  auto ps = ParamStore::random(o.seed, at::TensorOptions().dtype(at::kFloat).device(device));
  auto vae = AutoencoderKL::bind(ps, cfg);
  ps.finish();
  auto params = make_trainable(ps);
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay).betas({0.9, 0.99}));
  Ema ema(ps, o.ema_decay);
  CheckpointState state;
  state.info = {{"scale", o.scale}, {"stage", "vae"}};
  if (o.resume && load_checkpoint(o.out_dir, ps, ema, opt, state))
    std::cerr << "resuming " << o.out_dir << " at step " << state.step << "\n";
  const auto train_rows = data.indices(false), eval_rows = data.indices(true);
  if (train_rows.empty()) throw Error("train vae: the dataset has no training rows");
  run_training_loop(o, "vae", ps, opt, ema, state, [&](int64_t step) {
    auto gen = step_generator(o.seed, step);
    auto x = gather_batch(data, train_rows, gen, o.batch, device, true);
    auto moments = vae.encode(x);
    auto eps = at::randn(moments.mean.sizes(), gen).to(device);
    auto y = vae.decode(moments.mean + at::exp(0.5 * moments.logvar) * eps);
    auto kl = 0.5 * (moments.mean.pow(2) + moments.logvar.exp() - 1 - moments.logvar).mean();
    return (y - x).abs().mean() + (y - x).pow(2).mean() + o.gradient_loss_weight * image_gradients_l1(y, x) +
           o.kl_weight * kl;
  });
  ema.swap_into(ps);
  return evaluate_vae(vae, data, eval_rows, device);
}

}  // namespace ripen::training
