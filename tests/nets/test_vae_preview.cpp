// Latent -> RGB preview factors: table lookup, speed at 64x64, and the least-squares fit.
#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cstdio>

#include "common/test_common.h"
#include "nets/autoencoder_kl.h"
#include "nets/latent_preview.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

using namespace ripen;

TEST(LatentPreview, TablesPerArchitecture) {
  auto sd = latent_rgb_factors("sd15");
  EXPECT_EQ(sd.weight.sizes(), (std::vector<int64_t>{4, 3}));
  EXPECT_FLOAT_EQ(sd.weight[3][2].item<float>(), -0.7177f);
  EXPECT_TRUE(at::equal(latent_rgb_factors("sd2").weight, sd.weight));
  auto xl = latent_rgb_factors("sdxl");
  EXPECT_FLOAT_EQ(xl.bias[0].item<float>(), 0.1084f);
  EXPECT_FALSE(at::equal(xl.weight, sd.weight));
  EXPECT_THROW(latent_rgb_factors("flux"), Error);
}

TEST(LatentPreview, MatchesReferenceMathAndIsFast) {
  auto gen = at::detail::createCPUGenerator(3);
  at::Tensor z = at::randn({1, 4, 64, 64}, gen) * 2.0;
  auto f = latent_rgb_factors("sdxl");
  at::Tensor rgb = latent_preview_rgb(z, f);
  ASSERT_EQ(rgb.sizes(), (std::vector<int64_t>{64, 64, 3}));
  at::Tensor want = ((at::linear(z[0].permute({1, 2, 0}), f.weight.t(), f.bias) + 1) / 2).clamp(0, 1) * 255;
  EXPECT_LE((rgb.to(at::kFloat) - want).abs().max().item<float>(), 0.5f + 1e-3f);
  double best = 1e9;
  for (int i = 0; i < 50; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    at::Tensor r = latent_preview_rgb(z, f);
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::printf("latent preview 64x64: %.3f ms (best of 50)\n", best);
  EXPECT_LT(best, 1.0);
}

TEST(LatentPreview, FitRecoversALinearMap) {
  auto gen = at::detail::createCPUGenerator(4);
  at::Tensor W = at::randn({4, 3}, gen) * 0.3, b = at::randn({3}, gen) * 0.1;
  std::vector<at::Tensor> zs, imgs;
  for (int i = 0; i < 3; ++i) {
    at::Tensor z = at::randn({1, 4, 16, 16}, gen);
    at::Tensor rgb = (at::linear(z.permute({0, 2, 3, 1}), W.t(), b)).permute({0, 3, 1, 2});
    zs.push_back(z);
    imgs.push_back(at::upsample_nearest2d(rgb, {128, 128}));
  }
  auto f = fit_latent_rgb_factors(zs, imgs, 0.0);
  EXPECT_TRUE(ripen::test::close_to(f.weight, W, 0, 1e-5));
  EXPECT_TRUE(ripen::test::close_to(f.bias, b, 0, 1e-5));
  EXPECT_THROW(fit_latent_rgb_factors(zs, {imgs[0]}), Error);
}

// On the oracle's (random-weight) VAE the fit is the best linear preview: it must beat a constant grey image.
TEST(LatentPreview, FitAgainstTheOracleVae) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  VaeConfig cfg = VaeConfig::from_file((oracle / "tiny-sd15/vae/config.json").string());
  auto st = SafeTensors::open((oracle / "tiny-sd15/vae/diffusion_pytorch_model.safetensors").string());
  ParamStore ps = ParamStore::from_tensors(st.load_all(), st.path());
  AutoencoderKL vae = AutoencoderKL::bind(ps, cfg);
  ps.finish();
  auto ref = SafeTensors::open((oracle / "tiny-sd15/ref/vae.safetensors").string());
  at::Tensor z = ref.tensor("decode_latent");
  at::Tensor img = ref.tensor("decode_output");
  auto f = fit_latent_rgb_factors({z}, {img});
  at::Tensor pooled = at::avg_pool2d(img, {8, 8})[0].permute({1, 2, 0});
  at::Tensor pred = at::linear(z[0].permute({1, 2, 0}), f.weight.t(), f.bias);
  const double fit_err = (pred - pooled).pow(2).mean().item<double>();
  const double flat_err = (pooled - pooled.mean(at::IntArrayRef{0, 1})).pow(2).mean().item<double>();
  std::printf("oracle VAE linear preview fit: mse %.4g vs constant %.4g\n", fit_err, flat_err);
  EXPECT_LT(fit_err, flat_err);
  (void)vae;
}
