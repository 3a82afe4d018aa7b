#include "training/emoji_classifier.h"
#include <ATen/core/grad_mode.h>

#include <filesystem>
#include <iostream>
#include <sstream>

#include "tensors/error.h"

namespace ripen::training {

namespace {
// (in, out, stride) per convolution: 64 -> 32 -> 16 -> 8 px.
std::vector<std::array<int64_t, 3>> layout(int64_t w) {
  return {{3, w, 1}, {w, 2 * w, 2}, {2 * w, 2 * w, 1}, {2 * w, 4 * w, 2}, {4 * w, 4 * w, 1}, {4 * w, 6 * w, 2}, {6 * w, 6 * w, 1}};
}

at::Tensor augment(at::Tensor x, const at::Generator& gen) {
  const int64_t b = x.size(0);
  auto dev = x.device();
  auto opt = at::TensorOptions().dtype(at::kFloat);
  // shift by up to ±4 px (white fill)
  auto padded = at::constant_pad_nd(x, {4, 4, 4, 4}, 1.0);
  auto offs = at::randint(9, {b, 2}, gen, at::TensorOptions().dtype(at::kLong));
  std::vector<at::Tensor> crops;
  for (int64_t i = 0; i < b; ++i) {
    int64_t oy = offs[i][0].item<int64_t>(), ox = offs[i][1].item<int64_t>();
    crops.push_back(padded[i].narrow(1, oy, 64).narrow(2, ox, 64));
  }
  x = at::stack(crops);
  // blur some images (generated images are softer than the sources)
  auto blur_mask = at::rand({b, 1, 1, 1}, gen, opt).lt(0.4).to(dev);
  auto blurred = at::avg_pool2d(at::replication_pad2d(x, {1, 1, 1, 1}), {3, 3}, {1, 1});
  x = at::where(blur_mask, blurred, x);
  // brightness/contrast jitter and a little noise
  auto contrast = (at::rand({b, 1, 1, 1}, gen, opt) * 0.3 + 0.85).to(dev);
  auto bright = (at::rand({b, 1, 1, 1}, gen, opt) * 0.2 - 0.1).to(dev);
  auto noise = (at::randn(x.sizes(), gen, opt) * 0.03).to(dev);
  return (x * contrast + bright + noise).clamp(-1, 1);
}
}  // namespace

EmojiClassifier EmojiClassifier::bind(ParamStore& ps, int64_t classes, int64_t width) {
  EmojiClassifier c;
  int i = 0;
  for (const auto& [in, out, stride] : layout(width)) {
    nn::Conv2d conv;
    conv.bind(ps, "convs." + std::to_string(i), in, out, 3, stride, 1);
    nn::GroupNorm norm;
    norm.bind(ps, "norms." + std::to_string(i), out, 8, 1e-5);
    c.convs_.push_back(conv);
    c.norms_.push_back(norm);
    ++i;
  }
  c.head_.bind(ps, "head", 6 * width, classes);
  return c;
}

at::Tensor EmojiClassifier::features(const at::Tensor& images) const {
  at::Tensor h = images.to(head_.weight.device(), head_.weight.scalar_type());
  for (size_t i = 0; i < convs_.size(); ++i) h = at::silu(norms_[i](convs_[i](h)));
  return h.mean({2, 3});
}

at::Tensor EmojiClassifier::forward(const at::Tensor& images) const { return head_(features(images)); }

double EmojiClassifier::topk_accuracy(const at::Tensor& images, const at::Tensor& labels, int64_t k) const {
  at::NoGradGuard g;
  int64_t hits = 0;
  for (int64_t s = 0; s < images.size(0); s += 128) {
    int64_t n = std::min<int64_t>(128, images.size(0) - s);
    auto top = std::get<1>(forward(images.narrow(0, s, n)).topk(std::min(k, this->classes()), 1)).cpu();
    auto want = labels.narrow(0, s, n).cpu().view({n, 1});
    hits += top.eq(want).any(1).sum().item<int64_t>();
  }
  return images.size(0) ? static_cast<double>(hits) / images.size(0) : 0.0;
}

ClassifierReport evaluate_classifier(const EmojiClassifier& net, const EmojiDataset& data, const at::Device& device) {
  ClassifierReport r;
  auto eval = at::tensor(data.indices(true), at::kLong);
  auto train = at::tensor(data.indices(false), at::kLong);
  train = train.narrow(0, 0, std::min<int64_t>(train.numel(), 1024));
  auto real = images_to_float(data.images.index_select(0, eval), device);
  r.top1_heldout = net.topk_accuracy(real, data.class_ids.index_select(0, eval), 1);
  r.top5_heldout = net.topk_accuracy(real, data.class_ids.index_select(0, eval), 5);
  r.top5_train = net.topk_accuracy(images_to_float(data.images.index_select(0, train), device),
                                   data.class_ids.index_select(0, train), 5);
  auto gen = step_generator(12345, 0);
  auto noise = (at::rand({eval.numel(), 3, 64, 64}, gen, at::TensorOptions().dtype(at::kFloat)) * 2 - 1).to(device);
  r.top5_noise = net.topk_accuracy(noise, data.class_ids.index_select(0, eval), 5);
  r.top5_chance = 5.0 / static_cast<double>(std::max<int64_t>(1, net.classes()));
  return r;
}

EmojiClassifier load_trained_classifier(const std::string& run_dir, int64_t classes, const at::Device& device,
                                        ParamStore& storage) {
  auto w = load_checkpoint_weights(run_dir, true);
  int64_t width = w.count("convs.0.weight") ? w["convs.0.weight"].size(0) : 32;
  storage = ParamStore::from_tensors(std::move(w), run_dir + "/checkpoint/ema.safetensors",
                                     at::TensorOptions().dtype(at::kFloat).device(device));
  auto net = EmojiClassifier::bind(storage, classes, width);
  storage.finish();
  return net;
}

ClassifierReport train_classifier(const EmojiDataset& data, const ClassifierTrainOptions& o) {
  if (o.out_dir.empty()) throw Error("train classifier: no output folder");
  std::filesystem::create_directories(o.out_dir);
  const at::Device device = o.torch_device();
  auto ps = ParamStore::random(o.seed, at::TensorOptions().dtype(at::kFloat).device(device));
  auto net = EmojiClassifier::bind(ps, static_cast<int64_t>(data.classes.size()), o.width);
  ps.finish();
  auto params = make_trainable(ps);
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
  Ema ema(ps, o.ema_decay);
  CheckpointState state;
  state.info = {{"stage", "classifier"}, {"width", std::to_string(o.width)}};
  if (o.resume && load_checkpoint(o.out_dir, ps, ema, opt, state))
    std::cerr << "resuming " << o.out_dir << " at step " << state.step << "\n";
  const auto rows = data.indices(false);
  run_training_loop(o, "classifier", ps, opt, ema, state, [&](int64_t step) {
    auto gen = step_generator(o.seed, step);
    auto pick = at::randint(static_cast<int64_t>(rows.size()), {o.batch}, gen, at::TensorOptions().dtype(at::kLong));
    auto idx = at::tensor(rows, at::kLong).index_select(0, pick);
    auto x = augment(images_to_float(data.images.index_select(0, idx), at::kCPU), gen).to(device);
    auto y = data.class_ids.index_select(0, idx).to(device);
    return at::cross_entropy_loss(net.forward(x), y, {}, at::Reduction::Mean, -100, 0.1);
  });
  ema.swap_into(ps);
  return evaluate_classifier(net, data, device);
}

}  // namespace ripen::training
