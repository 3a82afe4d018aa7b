// Tiled VAE encode/decode (nets/vae_tiled.h): layer-by-layer tiles with a halo of neighbour context and whole-map
// GroupNorm statistics reproduce the whole-image pass up to float rounding. The default build checks small images
// (seconds); test_vae_tiled_slow (label slow, RIPEN_VAE_TILED_SLOW) checks 512^2 and peak memory at 1024^2.
#include <sys/resource.h>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>

#include <cmath>
#include <cstdio>

#include "common/test_common.h"
#include "nets/autoencoder_kl.h"
#include "nets/vae_tiled.h"
#include "tensors/safetensors.h"

namespace fs = std::filesystem;
using namespace ripen;

namespace {

AutoencoderKL load_vae(const fs::path& oracle) {
  VaeConfig cfg = VaeConfig::from_file((oracle / "tiny-sd15/vae/config.json").string());
  auto st = SafeTensors::open((oracle / "tiny-sd15/vae/diffusion_pytorch_model.safetensors").string());
  ParamStore ps = ParamStore::from_tensors(st.load_all(), st.path());
  AutoencoderKL vae = AutoencoderKL::bind(ps, cfg);
  ps.finish();
  return vae;
}

// A latent with image-like structure: the oracle's latent, upsampled smoothly, plus its own fine detail.
at::Tensor test_latent(const fs::path& oracle, int64_t h, int64_t w) {
  auto ref = SafeTensors::open((oracle / "tiny-sd15/ref/vae.safetensors").string());
  at::Tensor z = ref.tensor("decode_input");
  at::Tensor up = at::upsample_bilinear2d(z, {h, w}, false);
  return up + 0.5 * at::upsample_nearest2d(z, {h, w}).roll({7, 11}, {2, 3});
}

double max_abs(const at::Tensor& t) { return t.abs().max().item<double>(); }

// max|tiled - whole| / max|whole|, printed.
double rel_diff(const char* what, const at::Tensor& tiled, const at::Tensor& whole) {
  EXPECT_EQ(tiled.sizes(), whole.sizes()) << what;
  const double r = max_abs(tiled - whole) / max_abs(whole);
  std::printf("%s %lldx%lld: max|tiled - whole| / max|whole| = %.3g (max|whole| %.4g)\n", what,
              (long long)whole.size(2), (long long)whole.size(3), r, max_abs(whole));
  return r;
}

long max_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

#ifndef RIPEN_VAE_TILED_SLOW

// The tile machinery alone: with a halo of at least the receptive radius, tiles of a local map give the whole map,
// for same-size, upsampling and stride-2 steps, with cores that do not divide the map.
TEST(VaeTiled, TileStepsEqualWholeMaps) {
  auto gen = at::detail::createCPUGenerator(3);
  at::Tensor x = at::randn({2, 5, 38, 50}, gen), w = at::randn({6, 5, 3, 3}, gen), b = at::randn({6}, gen);
  at::Tensor w2 = at::randn({3, 6, 3, 3}, gen);
  const std::vector<int64_t> one_px{1, 1}, two_px{2, 2}, no_px{0, 0};
  auto conv = [&](const at::Tensor& t) { return at::conv2d(t, w, b, one_px, one_px); };
  auto two_convs = [&](const at::Tensor& t) { return at::conv2d(at::relu(conv(t)), w2, {}, one_px, one_px); };
  auto up = [&](const at::Tensor& t) { return conv(at::upsample_nearest2d(t, {t.size(2) * 2, t.size(3) * 2})); };
  auto down = [&](const at::Tensor& t) { return at::conv2d(at::constant_pad_nd(t, {0, 1, 0, 1}), w, b, two_px, no_px); };
  // Each map is split into bands of the step's core height, as the passes do.
  auto run = [](const at::Tensor& in, int64_t core, int64_t halo, int64_t num, int64_t den, auto f) {
    std::vector<nn::BandedMap> m{nn::BandedMap::split(in, core)};
    nn::BandedMap out = nn::run_tile_step(m, nn::TileStep{core, halo, num, den},
                                          [f](const std::vector<at::Tensor>& t) { return f(t[0]); });
    EXPECT_EQ(out.rows, core * num / den);
    return out.whole();
  };
  EXPECT_TRUE(test::close_to(run(x, 16, 1, 1, 1, conv), conv(x), 1e-6, 0));
  EXPECT_TRUE(test::close_to(run(x, 7, 2, 1, 1, two_convs), two_convs(x), 1e-6, 0));
  EXPECT_TRUE(test::close_to(run(x, 12, 1, 2, 1, up), up(x), 1e-6, 0));
  EXPECT_TRUE(test::close_to(run(x, 12, 2, 1, 2, down), down(x), 1e-6, 0));
  // Too small a halo is visibly wrong (the check can fail).
  EXPECT_FALSE(test::close_to(run(x, 7, 1, 1, 1, two_convs), two_convs(x), 1e-3, 0));
  EXPECT_THROW(run(x, 12, 1, 1, 2, down), std::exception);  // odd halo for a stride-2 step
  // Two maps reach the function tile by tile, aligned; a map passed by move is released, one still held is kept.
  at::Tensor y = at::randn({2, 5, 38, 50}, gen);
  nn::BandedMap xm = nn::BandedMap::split(x.clone(), 9), ym = nn::BandedMap::split(y, 9);
  std::vector<nn::BandedMap> in;
  in.push_back(xm);
  in.push_back(std::move(ym));
  auto sum = [&](const std::vector<at::Tensor>& t) { return conv(t[0]) + t[1].slice(1, 0, 1); };
  at::Tensor got = nn::run_tile_step(std::move(in), nn::TileStep{9, 1}, sum).whole();
  EXPECT_TRUE(test::close_to(got, conv(x) + y.slice(1, 0, 1), 1e-6, 0));
  EXPECT_TRUE(test::close_to(xm.whole(), x, 0, 0));
}

TEST(VaeTiled, GroupStatsOfBandsEqualTheWholeMap) {
  auto gen = at::detail::createCPUGenerator(6);
  at::Tensor x = at::randn({2, 8, 37, 50}, gen) * 3 + 5;
  nn::GroupStats s = nn::group_stats(x, 4, 2 * 8 * 50 * 5);  // 8 bands of 5 rows (the last shorter)
  auto [var, mean] = at::var_mean(x.to(at::kDouble).reshape({2, 4, -1}), {2}, false);
  EXPECT_TRUE(test::close_to(s.mean, mean, 1e-6, 0));  // bands reduce in fp32
  EXPECT_TRUE(test::close_to(s.var, var, 1e-6, 0));
  // A banded map, channels 2..6 of it in 2 groups.
  nn::GroupStats part = nn::group_stats(nn::BandedMap::split(x, 10), 2, 2, 6);
  auto [var2, mean2] = at::var_mean(x.slice(1, 2, 6).to(at::kDouble).reshape({2, 2, -1}), {2}, false);
  EXPECT_TRUE(test::close_to(part.mean, mean2, 1e-6, 0));
  EXPECT_TRUE(test::close_to(part.var, var2, 1e-6, 0));
}

// Several tiles in each direction, uneven last tiles, batch 2.
TEST(VaeTiled, DecodeTiledEqualsWhole) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  AutoencoderKL vae = load_vae(oracle);
  at::Tensor z = at::cat({test_latent(oracle, 20, 28), test_latent(oracle, 20, 28).flip(3)});
  at::Tensor whole = vae.decode(z);
  EXPECT_LT(rel_diff("decode tile 8", vae.decode_tiled(z, {8}), whole), 2e-5);
  EXPECT_LT(rel_diff("decode tile 12", vae.decode_tiled(z, {12}), whole), 2e-5);
  EXPECT_TRUE(test::close_to(vae.decode_tiled(z, {28}), whole, 0, 0));  // one tile: the whole pass itself
  vae.set_channels_last(true);
  EXPECT_LT(rel_diff("decode tile 8 channels-last", vae.decode_tiled(z, {8}), whole), 2e-5);
}

TEST(VaeTiled, EncodeTiledEqualsWhole) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  AutoencoderKL vae = load_vae(oracle);
  at::Tensor img = vae.decode(test_latent(oracle, 20, 28)).clamp(-1, 1);
  VaeMoments whole = vae.encode(img);
  VaeMoments tiled = vae.encode_tiled(img, {8});
  EXPECT_LT(rel_diff("encode mean tile 8", tiled.mean, whole.mean), 2e-5);
  EXPECT_LT(rel_diff("encode logvar tile 8", tiled.logvar, whole.logvar), 2e-5);
  EXPECT_THROW(vae.encode_tiled(img.slice(2, 0, 150), {8}), std::exception);  // not a multiple of 8
}

// Both bf16 passes against the fp32 pass with the same (bf16-rounded) weights, with ATen's oneDNN use on and off
// (off: a CPU without AVX-512's path, tensors/cpu_isa.h). Bound: the decoder's N weighted layers each round once to
// bf16 (u = 2^-8), errors adding like a random walk: sqrt(N) u of max|out| (as in test_unet: Higham & Mary's
// probabilistic bound, lambda = 1; the per-layer rounding is checked exactly in test_packed_conv). Tiled and whole
// round at different places, so they may differ by both errors. Before the fp32 fallback ATen 1.13's own bf16
// kernels, which accumulate in bf16, left both passes ~10% off fp32 on an AVX2 EPYC and 9.6% apart: not the tiling.
TEST(VaeTiled, DecodeTiledBf16StaysClose) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  AutoencoderKL vae = load_vae(oracle);
  at::Tensor z = test_latent(oracle, 20, 28);
  vae.to(at::TensorOptions().dtype(at::kBFloat16));
  vae.to(at::TensorOptions().dtype(at::kFloat));
  const at::Tensor fp32 = vae.decode(z);
  int64_t layers = 0;
  const SafeTensors weights = SafeTensors::open((oracle / "tiny-sd15/vae/diffusion_pytorch_model.safetensors").string());
  for (const auto& t : weights.tensors())
    layers += (t.name.rfind("decoder.", 0) == 0 || t.name.rfind("post_quant_conv.", 0) == 0) &&
              t.name.size() > 7 && t.name.compare(t.name.size() - 7, 7, ".weight") == 0;
  const double bound = std::sqrt(double(layers)) * std::ldexp(1.0, -8);
  std::printf("bf16 bound sqrt(%lld) 2^-8 = %.3g\n", (long long)layers, bound);
  vae.to(at::TensorOptions().dtype(at::kBFloat16));
  auto& aten = at::globalContext();
  const bool mkldnn = aten.userEnabledMkldnn();
  for (bool onednn_on : {true, false}) {
    aten.setUserEnabledMkldnn(onednn_on);
    const at::Tensor whole = vae.decode(z), tiled = vae.decode_tiled(z, {8});
    EXPECT_LT(rel_diff("bf16 decode whole vs fp32", whole, fp32), bound) << "oneDNN use " << onednn_on;
    EXPECT_LT(rel_diff("bf16 decode tile 8 vs fp32", tiled, fp32), bound) << "oneDNN use " << onednn_on;
    EXPECT_LT(rel_diff("bf16 decode tile 8 vs whole", tiled, whole), 2 * bound) << "oneDNN use " << onednn_on;
  }
  aten.setUserEnabledMkldnn(mkldnn);
}

#else  // RIPEN_VAE_TILED_SLOW

TEST(VaeTiledSlow, Decode512) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  AutoencoderKL vae = load_vae(oracle);
  at::Tensor z = test_latent(oracle, 64, 64);
  EXPECT_LT(rel_diff("decode 512 tile 32", vae.decode_tiled(z, {32}), vae.decode(z)), 2e-5);
}

TEST(VaeTiledSlow, Encode512) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  AutoencoderKL vae = load_vae(oracle);
  at::Tensor img = vae.decode(test_latent(oracle, 64, 64)).clamp(-1, 1);
  VaeMoments whole = vae.encode(img), tiled = vae.encode_tiled(img, {32});
  EXPECT_LT(rel_diff("encode 512 mean tile 32", tiled.mean, whole.mean), 2e-5);
  EXPECT_LT(rel_diff("encode 512 logvar tile 32", tiled.logvar, whole.logvar), 2e-5);
}

// Peak memory: tiled first (ru_maxrss only grows), then whole. 1024x1024 with the tiny VAE (32-64 channels).
TEST(VaeTiledSlow, TiledPeakMemoryIsSmaller) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  AutoencoderKL vae = load_vae(oracle);
  vae.set_channels_last(true);
  auto gen = at::detail::createCPUGenerator(9);
  at::Tensor z = at::randn({1, 4, 128, 128}, gen);
  const long base = max_rss_kb();
  at::Tensor tiled = vae.decode_tiled(z, {32});
  const long after_tiled = max_rss_kb();
  at::Tensor whole = vae.decode(z);
  const long after_whole = max_rss_kb();
  const double tiled_mb = (after_tiled - base) / 1024.0, whole_mb = (after_whole - base) / 1024.0;
  std::printf("1024x1024 decode peak RSS growth: tiled (32) %.0f MiB, whole %.0f MiB\n", tiled_mb, whole_mb);
  EXPECT_LT(rel_diff("decode 1024 tile 32", tiled, whole), 2e-5);
  EXPECT_LT(tiled_mb * 1.3, whole_mb);
}

// Both passes and both layouts against a float64 whole pass (the weights converted): all within float rounding.
TEST(VaeTiledSlow, Decode1024AgainstFloat64) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  AutoencoderKL vae = load_vae(oracle);
  at::Tensor z = at::randn({1, 4, 128, 128}, at::detail::createCPUGenerator(9));
  at::Tensor whole = vae.decode(z), tiled = vae.decode_tiled(z, {32});
  vae.set_channels_last(true);
  at::Tensor whole_cl = vae.decode(z), tiled_cl = vae.decode_tiled(z, {32});
  vae.set_channels_last(false);
  vae.to(at::TensorOptions().dtype(at::kDouble));
  at::Tensor ref = vae.decode(z);
  EXPECT_LT(rel_diff("whole NCHW vs float64", whole, ref), 1e-5);
  EXPECT_LT(rel_diff("tiled NCHW vs float64", tiled, ref), 1e-5);
  EXPECT_LT(rel_diff("whole channels-last vs float64", whole_cl, ref), 1e-5);
  EXPECT_LT(rel_diff("tiled channels-last vs float64", tiled_cl, ref), 1e-5);
}

#endif
