// Tiled VAE encode/decode: tile geometry and blending are exact for position-independent maps; on a real network the
// zero padding at tile edges (the decoder's receptive field is ~16 latent px) and per-tile GroupNorm statistics make
// the tiled output differ from the whole-image pass. Measured here on the oracle's random-weight tiny VAE (printed);
// the bounds are those measurements with headroom, so a regression in blending or geometry shows up.
#include <sys/resource.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cstdio>

#include "common/test_common.h"
#include "nets/autoencoder_kl.h"
#include "tensors/safetensors.h"

namespace fs = std::filesystem;
using namespace ripen;

namespace {

AutoencoderKL load_vae(const fs::path& oracle, bool attention = true) {
  VaeConfig cfg = VaeConfig::from_file((oracle / "tiny-sd15/vae/config.json").string());
  cfg.mid_block_add_attention = attention;
  auto st = SafeTensors::open((oracle / "tiny-sd15/vae/diffusion_pytorch_model.safetensors").string());
  ParamStore ps = ParamStore::from_tensors(st.load_all(), st.path());
  AutoencoderKL vae = AutoencoderKL::bind(ps, cfg);
  ps.finish({"encoder.mid_block.attentions", "decoder.mid_block.attentions"});
  return vae;
}

// A 64x64 latent with image-like structure: the oracle's latent, upsampled smoothly, plus its own fine detail.
at::Tensor test_latent(const fs::path& oracle) {
  auto ref = SafeTensors::open((oracle / "tiny-sd15/ref/vae.safetensors").string());
  at::Tensor z = ref.tensor("decode_input");
  at::Tensor up = at::upsample_bilinear2d(z, {64, 64}, false);
  return up + 0.5 * at::upsample_nearest2d(z, {64, 64}).roll({7, 11}, {2, 3});
}

double max_abs(const at::Tensor& t) { return t.abs().max().item<double>(); }

long max_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

TEST(VaeTiled, DecodeTiledCloseToWhole) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  AutoencoderKL vae = load_vae(oracle);
  at::Tensor z = test_latent(oracle);
  at::Tensor whole = vae.decode(z);
  struct Case {
    VaeTiling t;
    double bound;  // relative to max|whole|
  };
  for (const Case& c : {Case{{32, 16, 0}, 0.25}, Case{{32, 16, 1}, 0.3}}) {
    at::Tensor tiled = vae.decode_tiled(z, c.t);
    ASSERT_EQ(tiled.sizes(), whole.sizes());
    const double diff = max_abs(tiled - whole), mean = (tiled - whole).abs().mean().item<double>();
    std::printf("decode %lldx%lld, tile %lld overlap %lld norm_passes %d: max|tiled-whole| = %.4g (%.3g%% of max|whole| "
                "%.4g), mean %.3g\n",
                (long long)whole.size(2), (long long)whole.size(3), (long long)c.t.tile, (long long)c.t.overlap,
                c.t.norm_passes, diff, 100 * diff / max_abs(whole), max_abs(whole), mean);
    EXPECT_LT(diff, c.bound * max_abs(whole));
  }
  // Fits in one tile: identical to the whole pass.
  EXPECT_TRUE(ripen::test::close_to(vae.decode_tiled(z, {64, 16}), whole, 0, 0));
}

TEST(VaeTiled, EncodeTiledCloseToWhole) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  AutoencoderKL vae = load_vae(oracle);
  at::Tensor img = vae.decode(test_latent(oracle)).clamp(-1, 1);
  VaeMoments whole = vae.encode(img);
  for (int passes : {0, 1}) {
    VaeMoments tiled = vae.encode_tiled(img, {32, 16, passes});
    const double diff = max_abs(tiled.mean - whole.mean);
    std::printf("encode %lldx%lld, tile 32 overlap 16 norm_passes %d: max|tiled-whole| mean = %.4g (%.3g%% of %.4g), "
                "logvar %.4g\n",
                (long long)img.size(2), (long long)img.size(3), passes, diff, 100 * diff / max_abs(whole.mean),
                max_abs(whole.mean), max_abs(tiled.logvar - whole.logvar));
    EXPECT_LT(diff, 0.35 * max_abs(whole.mean));
  }
  EXPECT_THROW(vae.encode_tiled(img.slice(2, 0, 500), {32, 16}), std::exception);
}

// Peak memory: tiled first (ru_maxrss only grows), then whole. 1024x1024 with the tiny VAE (32 channels).
TEST(VaeTiled, TiledPeakMemoryIsBounded) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  AutoencoderKL vae = load_vae(oracle);
  auto gen = at::detail::createCPUGenerator(9);
  at::Tensor z = at::randn({1, 4, 128, 128}, gen);
  const long base = max_rss_kb();
  at::Tensor tiled = vae.decode_tiled(z, {32, 8, 0});
  const long after_tiled = max_rss_kb();
  at::Tensor whole = vae.decode(z);
  const long after_whole = max_rss_kb();
  const double tiled_mb = (after_tiled - base) / 1024.0, whole_mb = (after_whole - base) / 1024.0;
  std::printf("1024x1024 decode peak RSS growth: tiled (32/8) %.0f MiB, whole %.0f MiB; max|diff| %.4g of %.4g\n",
              tiled_mb, whole_mb, max_abs(tiled - whole), max_abs(whole));
  EXPECT_LT(tiled_mb * 2, whole_mb);
}
