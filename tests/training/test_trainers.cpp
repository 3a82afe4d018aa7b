// Short training runs on toy data with the "tiny" shapes: losses go down, gradients are right, and an
// interrupted run resumed from its checkpoint ends exactly where an uninterrupted one does.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/test_common.h"
#include "nets/unet.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"
#include "training/caption_tokens.h"
#include "training/diffusion_trainer.h"
#include "training/embedded_config.h"
#include "training/emoji_classifier.h"
#include "training/vae_trainer.h"

using namespace ripen;
using namespace ripen::training;
namespace fs = std::filesystem;

namespace {

// n images: coloured discs at a few positions on white; every 4th held out; captions/tokens name the colour.
EmojiDataset toy_dataset(int64_t n) {
  EmojiDataset ds;
  auto yy = at::arange(64, at::kFloat).view({64, 1}), xx = at::arange(64, at::kFloat).view({1, 64});
  std::vector<at::Tensor> imgs;
  const float colours[4][3] = {{230, 40, 40}, {40, 180, 60}, {40, 80, 220}, {240, 200, 30}};
  std::vector<int64_t> cls, styles, tok;
  std::vector<uint8_t> ev;
  for (int64_t i = 0; i < n; ++i) {
    int c = i % 4;
    float cx = 20 + 8 * (i % 3), cy = 24 + 6 * (i % 2), r = 14 + 2 * (i % 3);
    auto mask = ((yy - cy).pow(2) + (xx - cx).pow(2)).lt(r * r).to(at::kFloat).unsqueeze(-1);
    auto col = at::tensor(std::vector<float>{colours[c][0], colours[c][1], colours[c][2]}).view({1, 1, 3});
    imgs.push_back((mask * col + (1 - mask) * 255).round().to(at::kByte));
    cls.push_back(c);
    styles.push_back(i % 2);
    ev.push_back(i % 4 == 3 && i >= 4 ? 1 : 0);
    ds.captions.push_back({"colour " + std::to_string(c), "disc " + std::to_string(c), "c" + std::to_string(c), "x"});
    for (int v = 0; v < 4; ++v) {
      auto row = token_row({4 + c, 8 + v});
      tok.insert(tok.end(), row.begin(), row.end());
    }
  }
  ds.images = at::stack(imgs);
  ds.class_ids = at::tensor(cls, at::kLong);
  ds.styles = at::tensor(styles, at::kLong);
  ds.is_eval = at::tensor(std::vector<int64_t>(ev.begin(), ev.end()), at::kLong).to(at::kBool);
  ds.tokens = at::tensor(tok, at::kLong).view({n, 4, kTokenLength});
  for (int c = 0; c < 4; ++c) ds.classes.push_back({"C" + std::to_string(c), "colour " + std::to_string(c)});
  ds.style_names = {"a style", "b style"};
  return ds;
}

std::vector<double> logged_losses(const fs::path& dir) {
  std::ifstream f(dir / "loss.csv");
  std::string line;
  std::getline(f, line);
  std::vector<double> out;
  while (std::getline(f, line)) out.push_back(std::stod(line.substr(line.find(',') + 1)));
  return out;
}

double mean_of(const std::vector<double>& v, size_t from, size_t to) {
  double s = 0;
  for (size_t i = from; i < to; ++i) s += v[i];
  return s / static_cast<double>(to - from);
}

template <class O>
O quick(O o, const fs::path& dir, int64_t steps) {
  o.out_dir = dir.string();
  // The engine hands the loss plot over as pixels; the test stores them as a binary PPM where the PNG would go.
  o.write_image = [](const std::string& path, const Image8& img) {
    std::ofstream(path, std::ios::binary) << "P6 " << img.width << " " << img.height << " 255\n"
                                          << std::string(img.pixels.begin(), img.pixels.end());
  };
  o.steps = steps;
  o.warmup = 2;
  o.log_every = 1;
  o.checkpoint_every = 1000;
  o.quiet = true;
  return o;
}

// Directional derivative check: autograd's g·d against a central difference of the loss.
void expect_gradient_matches(const ParamStore& ps, const std::function<at::Tensor()>& loss) {
  for (const auto& [k, v] : ps.params()) v.requires_grad_(true);
  auto l = loss();
  l.backward();
  // a unit-norm random direction over all parameters
  std::vector<at::Tensor> dirs;
  auto gen = step_generator(99, 0);
  double norm2 = 0;
  for (const auto& [k, v] : ps.params()) {
    dirs.push_back(at::randn(v.sizes(), gen, at::TensorOptions().dtype(at::kFloat)));
    norm2 += dirs.back().pow(2).sum().item<double>();
  }
  double analytic = 0;
  size_t j = 0;
  for (const auto& [k, v] : ps.params()) {
    dirs[j] /= std::sqrt(norm2);
    ASSERT_TRUE(v.grad().defined()) << "no gradient reached " << k;
    analytic += (v.grad() * dirs[j++]).sum().item<double>();
  }
  const double eps = 1e-2;
  auto shift = [&](double s) {
    at::NoGradGuard g;
    size_t i = 0;
    for (const auto& [k, v] : ps.params()) v.add_(dirs[i++], s);
  };
  double plus, minus;
  {
    at::NoGradGuard g;
    shift(eps);
    plus = loss().item<double>();
    shift(-2 * eps);
    minus = loss().item<double>();
    shift(eps);
  }
  double numeric = (plus - minus) / (2 * eps);
  EXPECT_NEAR(analytic, numeric, 0.05 * std::abs(numeric) + 1e-4) << "autograd " << analytic << " vs finite difference " << numeric;
}

}  // namespace

TEST(TrainingLoops, VaeLossDecreasesAndPsnrIsReported) {
  auto data = toy_dataset(16);
  auto dir = test::temp_dir("train_vae");
  VaeTrainOptions o = quick(VaeTrainOptions{}, dir, 40);
  o.scale = "tiny";
  o.batch = 4;
  o.lr = 3e-3;
  auto r = train_vae(data, o);
  auto losses = logged_losses(dir);
  ASSERT_EQ(losses.size(), 40u);
  EXPECT_LT(mean_of(losses, 35, 40), 0.7 * mean_of(losses, 0, 5));
  EXPECT_EQ(r.images, 3);
  EXPECT_GT(r.psnr_db, 5.0);
  ASSERT_TRUE(fs::exists(dir / "loss.png"));
  EXPECT_EQ(fs::file_size(dir / "loss.png"), std::string("P6 640 360 255\n").size() + 640u * 360u * 3u);
  EXPECT_TRUE(fs::exists(dir / "checkpoint" / "optimizer.pt"));
}

TEST(TrainingLoops, VaeGradientsMatchFiniteDifferences) {
  auto ps = ParamStore::random(3);
  auto vae = AutoencoderKL::bind(ps, embedded_vae_config("tiny"));
  auto x = images_to_float(toy_dataset(2).images, at::kCPU);
  expect_gradient_matches(ps, [&] {
    auto m = vae.encode(x);
    return (vae.decode(m.mean) - x).pow(2).mean() + 0.1 * m.logvar.exp().mean();
  });
}

TEST(TrainingLoops, DiffusionGradientsMatchFiniteDifferences) {
  auto data = toy_dataset(4);
  LatentSet lat{at::randn({4, 4, 16, 16}), at::full({4, 4, 16, 16}, 0.1), 1.0};
  auto ps = ParamStore::random(5);
  auto m = bind_diffusion_model(ps, "tiny", 32);
  DiffusionTrainOptions o;
  o.batch = 2;
  auto acp = scaled_linear_alphas_cumprod();
  expect_gradient_matches(ps, [&] { return diffusion_loss(m, data, lat, {0, 1, 2, 3}, o, 7, acp); });
}

TEST(TrainingLoops, DiffusionLossDecreases) {
  auto data = toy_dataset(8);
  auto gen = step_generator(1, 1);
  LatentSet lat{at::randn({8, 4, 16, 16}, gen, at::TensorOptions().dtype(at::kFloat)), at::full({8, 4, 16, 16}, 0.05), 1.0};
  auto dir = test::temp_dir("train_diffusion");
  DiffusionTrainOptions o = quick(DiffusionTrainOptions{}, dir, 40);
  o.scale = "tiny";
  o.vocab_size = 32;
  o.batch = 8;
  o.lr = 3e-3;
  o.min_snr_gamma = 0;
  train_diffusion(data, lat, o);
  auto losses = logged_losses(dir);
  ASSERT_EQ(losses.size(), 40u);
  EXPECT_LT(mean_of(losses, 30, 40), 0.8 * mean_of(losses, 0, 10));
}

TEST(TrainingLoops, InterruptedRunResumesToIdenticalState) {
  auto data = toy_dataset(12);
  auto straight = test::temp_dir("train_resume_a"), interrupted = test::temp_dir("train_resume_b");
  ClassifierTrainOptions o = quick(ClassifierTrainOptions{}, straight, 8);
  o.width = 8;
  o.batch = 4;
  train_classifier(data, o);
  ClassifierTrainOptions first = quick(ClassifierTrainOptions{}, interrupted, 8);
  first.width = 8;
  first.batch = 4;
  first.stop_at = 3;
  train_classifier(data, first);
  {
    std::ifstream f(interrupted / "checkpoint" / "state.json");
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_NE(s.find("\"step\": 3"), std::string::npos) << s;
  }
  ClassifierTrainOptions rest = first;
  rest.stop_at = 0;
  rest.resume = true;
  train_classifier(data, rest);
  for (const char* file : {"model.safetensors", "ema.safetensors"}) {
    auto a = SafeTensors::open((straight / "checkpoint" / file).string()).load_all();
    auto b = SafeTensors::open((interrupted / "checkpoint" / file).string()).load_all();
    ASSERT_EQ(a.size(), b.size());
    for (const auto& [k, v] : a) EXPECT_TRUE(v.equal(b.at(k))) << file << " " << k;
  }
  EXPECT_EQ(logged_losses(straight), logged_losses(interrupted));
}

namespace {
int64_t transformer_count(const UNetConfig& c) {
  ParamStore ps = ParamStore::random(1);
  UNet2DCondition::bind(ps, c);
  ps.finish();
  int64_t n = 0;
  for (const auto& [k, t] : ps.params())
    if (k.find("transformer_blocks.0.attn1.to_q.weight") != std::string::npos) ++n;
  return n;
}
}  // namespace

TEST(EmbeddedScales, LeanIsSmallWithoutThe16x16AttentionAndExportsLoadableConfigs) {
  const UNetConfig small = embedded_unet_config("small"), lean = embedded_unet_config("lean");
  EXPECT_EQ(lean.block_out_channels, small.block_out_channels);
  // small: down 0,1 + mid + up 1,2 (two each) = 7 transformers; lean keeps down 1, mid and up 1 = 4.
  EXPECT_EQ(transformer_count(small), 7);
  EXPECT_EQ(transformer_count(lean), 4);
  ParamStore ps = ParamStore::random(2);
  UNet2DCondition unet = UNet2DCondition::bind(ps, UNetConfig::from_json(lean.to_json(), "lean"));
  ps.finish();
  at::NoGradGuard no_grad;
  at::Tensor out = unet.forward(at::randn({2, 4, 16, 16}), at::full({2}, 500.0), at::randn({2, 77, 256}));
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, 4, 16, 16}));
  EXPECT_TRUE(out.isfinite().all().item<bool>());
  EXPECT_EQ(embedded_vae_config("lean").block_out_channels, embedded_vae_config("small").block_out_channels);
  EXPECT_THROW(embedded_unet_config("huge"), Error);
}

TEST(TrainingLoops, InitFromAModelFolderCopiesMatchingTensorsAndNamesAShapeMismatch) {
  auto dir = test::temp_dir("init_from");
  ParamStore trained = ParamStore::random(11);
  bind_diffusion_model(trained, "tiny", 32);
  trained.finish();
  std::map<std::string, at::Tensor> unet_w, text_w;
  for (const auto& [k, v] : trained.params()) (k.rfind("text_model.", 0) == 0 ? text_w : unet_w)[k] = v;
  const std::string dropped = unet_w.begin()->first;
  unet_w.erase(dropped);                          // a tensor this scale has and the model lacks
  unet_w["extra.weight"] = at::zeros({3});        // one the model has and this scale lacks
  fs::create_directories(dir / "unet");
  fs::create_directories(dir / "text_encoder");
  save_safetensors((dir / "unet" / "diffusion_pytorch_model.safetensors").string(), unet_w);
  save_safetensors((dir / "text_encoder" / "model.safetensors").string(), text_w);

  ParamStore fresh = ParamStore::random(12);
  bind_diffusion_model(fresh, "tiny", 32);
  fresh.finish();
  const InitReport r = init_from_model(fresh, dir.string());
  EXPECT_EQ(r.copied, int64_t(trained.params().size()) - 1);
  EXPECT_EQ(r.kept_random, std::vector<std::string>{dropped});
  EXPECT_EQ(r.unused, std::vector<std::string>{"extra.weight"});
  for (size_t i = 0; i < fresh.params().size(); ++i) {
    const auto& [k, v] = fresh.params()[i];
    if (k == dropped) EXPECT_FALSE(v.equal(trained.params()[i].second)) << k;
    else EXPECT_TRUE(v.equal(trained.params()[i].second)) << k;
  }

  text_w.begin()->second = at::zeros({2, 2});
  save_safetensors((dir / "text_encoder" / "model.safetensors").string(), text_w);
  try {
    init_from_model(fresh, dir.string());
    FAIL() << "a shape mismatch must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("text_encoder/model.safetensors"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(text_w.begin()->first), std::string::npos) << e.what();
  }
  EXPECT_THROW(init_from_model(fresh, (dir / "missing").string()), Error);
}

TEST(TrainingLoops, AnExportedComponentFolderStandsInForAFinishedRun) {
  auto dir = test::temp_dir("exported_component");
  std::map<std::string, at::Tensor> w{{"decoder.conv_in.weight", at::randn({2, 3}).to(at::kHalf)}};
  save_safetensors((dir / "diffusion_pytorch_model.safetensors").string(), w);
  auto loaded = load_checkpoint_weights(dir.string(), true);
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_TRUE(loaded["decoder.conv_in.weight"].equal(w["decoder.conv_in.weight"]));
  fs::remove(dir / "diffusion_pytorch_model.safetensors");
  try {
    load_checkpoint_weights(dir.string(), true);
    FAIL() << "an empty folder must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir.string()), std::string::npos) << e.what();
  }
}
