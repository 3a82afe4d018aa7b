#include "training/latents.h"
#include <ATen/core/grad_mode.h>

#include "tensors/error.h"
#include "tensors/safetensors.h"
#include "training/vae_trainer.h"

namespace ripen::training {

LatentInfo encode_latents(const EmojiDataset& data, const std::string& vae_dir, const std::string& scale,
                          const at::Device& device, const std::string& out_path) {
  ParamStore storage = ParamStore::random(0);
  auto vae = load_trained_vae(vae_dir, scale, device, storage);
  at::NoGradGuard g;
  std::vector<at::Tensor> means, stds;
  for (int64_t s = 0; s < data.size(); s += 128) {
    int64_t n = std::min<int64_t>(128, data.size() - s);
    auto m = vae.encode(images_to_float(data.images.narrow(0, s, n), device));
    means.push_back(m.mean.cpu());
    stds.push_back(at::exp(0.5 * m.logvar).cpu());
  }
  auto mean = at::cat(means), std = at::cat(stds);
  auto train = at::tensor(data.indices(false), at::kLong);
  LatentInfo info;
  info.scaling_factor = 1.0 / mean.index_select(0, train).std().item<double>();
  info.psnr_db = evaluate_vae(vae, data, data.indices(true), device).psnr_db;
  save_safetensors(out_path, {{"mean", mean.to(at::kHalf)}, {"std", std.to(at::kHalf)}},
                   {{"scaling_factor", std::to_string(info.scaling_factor)},
                    {"vae_dir", vae_dir},
                    {"psnr_db", std::to_string(info.psnr_db)}});
  return info;
}

LatentSet load_latents(const std::string& path) {
  auto st = SafeTensors::open(path);
  LatentSet s;
  s.mean = st.tensor("mean").to(at::kFloat);
  s.std = st.tensor("std").to(at::kFloat);
  auto it = st.metadata().find("scaling_factor");
  if (it == st.metadata().end()) throw Error(path + ": no scaling_factor in the metadata");
  s.scaling_factor = std::stod(it->second);
  return s;
}

}  // namespace ripen::training
