#include "training/diffusion_trainer.h"

#include <filesystem>
#include <iostream>
#include <sstream>

#include "tensors/error.h"
#include "tensors/safetensors.h"
#include "training/caption_tokens.h"
#include "training/embedded_config.h"

namespace ripen::training {

at::Tensor scaled_linear_alphas_cumprod(int64_t steps, double beta_start, double beta_end) {
  auto betas = at::linspace(std::sqrt(beta_start), std::sqrt(beta_end), steps, at::TensorOptions().dtype(at::kDouble)).pow(2);
  return at::cumprod(1.0 - betas, 0);
}

text::ClipTextConfig embedded_text_config(const std::string& scale, int64_t vocab_size) {
  auto s = embedded_text_shape(scale);
  text::ClipTextConfig c;
  c.vocab_size = vocab_size;
  c.hidden_size = s.hidden;
  c.num_layers = s.layers;
  c.num_heads = s.heads;
  c.intermediate_size = s.intermediate;
  c.max_positions = kTokenLength;
  c.hidden_act = "quick_gelu";
  c.bos_token_id = kBosId;
  c.eos_token_id = kEosId;
  c.with_projection = false;
  c.projection_dim = s.hidden;
  return c;
}

DiffusionModel bind_diffusion_model(ParamStore& ps, const std::string& scale, int64_t vocab_size) {
  auto tcfg = embedded_text_config(scale, vocab_size);
  DiffusionModel m{text::ClipTextModel{}, UNet2DCondition::bind(ps, embedded_unet_config(scale, tcfg.hidden_size))};
  m.text.bind(ps, tcfg, "");
  return m;
}

at::Tensor diffusion_loss(const DiffusionModel& m, const EmojiDataset& data, const LatentSet& lat,
                          const std::vector<int64_t>& rows, const DiffusionTrainOptions& o, int64_t step,
                          const at::Tensor& alphas_cumprod) {
  if (!data.tokens.defined()) throw Error("train diffusion: the dataset has no caption tokens (run `train tokenizer` first)");
  const at::Device device = m.unet.device();
  const int64_t b = o.batch;
  auto gen = step_generator(o.seed, step);
  auto cpu_long = at::TensorOptions().dtype(at::kLong);
  auto cpu_float = at::TensorOptions().dtype(at::kFloat);
  auto pick = at::randint(static_cast<int64_t>(rows.size()), {b}, gen, cpu_long);
  auto idx = at::tensor(rows, at::kLong).index_select(0, pick);
  auto variant = at::randint(data.tokens.size(1), {b}, gen, cpu_long);
  auto ids = data.tokens.index({idx, variant});  // [B, 77]
  auto drop = at::rand({b}, gen, cpu_float).lt(o.cfg_dropout);
  auto empty = at::tensor(token_row({}), at::kLong).view({1, kTokenLength}).expand({b, kTokenLength});
  ids = at::where(drop.view({b, 1}), empty, ids);
  auto post_eps = at::randn({b, lat.mean.size(1), lat.mean.size(2), lat.mean.size(3)}, gen, cpu_float);
  auto z0 = (lat.mean.index_select(0, idx) + lat.std.index_select(0, idx) * post_eps) * lat.scaling_factor;
  auto t = at::randint(alphas_cumprod.size(0), {b}, gen, cpu_long);
  auto noise = at::randn(z0.sizes(), gen, cpu_float);
  auto acp = alphas_cumprod.index_select(0, t).to(at::kFloat);
  auto xt = acp.sqrt().view({b, 1, 1, 1}) * z0 + (1 - acp).sqrt().view({b, 1, 1, 1}) * noise;
  auto ctx = m.text.forward(ids.to(device)).last_hidden_state;
  auto pred = m.unet.forward(xt.to(device), t.to(at::kFloat).to(device), ctx);
  auto per_sample = (pred - noise.to(device)).pow(2).mean({1, 2, 3});
  if (o.min_snr_gamma > 0) {
    auto snr = acp / (1 - acp);
    auto w = at::clamp_max(snr, o.min_snr_gamma) / snr;
    per_sample = per_sample * w.to(device);
  }
  return per_sample.mean();
}

InitReport init_from_model(const ParamStore& ps, const std::string& model_dir) {
  namespace fs = std::filesystem;
  std::map<std::string, std::pair<at::Tensor, std::string>> source;  // key -> tensor, file
  for (const char* file : {"unet/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors"}) {
    const std::string path = (fs::path(model_dir) / file).string();
    if (!fs::exists(path)) throw Error(path + ": not found (init_from needs a diffusers folder with unet/ and text_encoder/)");
    SafeTensors st = SafeTensors::open(path);
    for (auto& [key, t] : st.load_all()) source[key] = {t, path};
  }
  InitReport r;
  at::NoGradGuard no_grad;
  for (const auto& [key, target] : ps.params()) {
    auto it = source.find(key);
    if (it == source.end()) {
      r.kept_random.push_back(key);
      continue;
    }
    const at::Tensor& src = it->second.first;
    if (src.sizes() != target.sizes())
      throw Error(it->second.second + ": key '" + key + "': the model has " + shape_str(src.sizes()) +
                  ", this scale needs " + shape_str(target.sizes()));
    target.detach().copy_(src);
    ++r.copied;
    source.erase(it);
  }
  for (const auto& [key, unused] : source) r.unused.push_back(key);
  return r;
}

double train_diffusion(const EmojiDataset& data, const LatentSet& lat, const DiffusionTrainOptions& o) {
  if (o.out_dir.empty()) throw Error("train diffusion: no output folder");
  if (lat.mean.size(0) != data.size()) throw Error("train diffusion: the latents do not match the dataset (other file?)");
  std::filesystem::create_directories(o.out_dir);
  const at::Device device = o.torch_device();
  auto ps = ParamStore::random(o.seed, at::TensorOptions().dtype(at::kFloat).device(device));
  auto m = bind_diffusion_model(ps, o.scale, o.vocab_size);
  ps.finish();
  if (!o.init_from.empty()) {
    const InitReport r = init_from_model(ps, o.init_from);
    std::cerr << "init from " << o.init_from << ": " << r.copied << " tensors copied, " << r.kept_random.size()
              << " kept random, " << r.unused.size() << " of the model's unused\n";
  }
  auto params = make_trainable(ps);
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay).betas({0.9, 0.999}));
  Ema ema(ps, o.ema_decay);
  CheckpointState state;
  state.info = {{"stage", "diffusion"}, {"scale", o.scale}, {"vocab_size", std::to_string(o.vocab_size)},
                {"scaling_factor", std::to_string(lat.scaling_factor)}};
  if (o.resume && load_checkpoint(o.out_dir, ps, ema, opt, state))
    std::cerr << "resuming " << o.out_dir << " at step " << state.step << "\n";
  const auto rows = data.indices(false);
  const auto acp = scaled_linear_alphas_cumprod();
  return run_training_loop(o, "diffusion", ps, opt, ema, state,
                           [&](int64_t step) { return diffusion_loss(m, data, lat, rows, o, step, acp); }, 1.0);
}

}  // namespace ripen::training
