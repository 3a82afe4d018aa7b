// Full-size SD VAE decode timing (random weights, 512x512): fp32 NCHW vs channels-last vs bf16. Slow (minutes).
// RIPEN_VAE_BENCH_SIZE overrides the image size.
#include <ATen/Parallel.h>

#include <cstdio>
#include <cstdlib>

#include "common/test_common.h"
#include "bench/vae_bench.h"

using namespace ripen;

TEST(VaeBench, FullSizeDecodeLayoutsAndPrecisions) {
  VaeBenchOptions o;
  if (const char* s = std::getenv("RIPEN_VAE_BENCH_SIZE")) o.image_size = std::atoi(s);
  o.channels_last = false;
  VaeBenchResult nchw = bench_vae_decode(VaeConfig::sd(), o);
  o.channels_last = true;
  VaeBenchResult cl = bench_vae_decode(VaeConfig::sd(), o);
  o.dtype = at::kBFloat16;
  VaeBenchResult bf = bench_vae_decode(VaeConfig::sd(), o);
  const double ref = nchw.image.abs().max().item<double>();
  const double d_cl = (cl.image - nchw.image).abs().max().item<double>() / ref;
  const double d_bf = (bf.image - nchw.image).abs().max().item<double>() / ref;
  std::printf("SD VAE decode %lldx%lld, %d threads: fp32 NCHW %.2f s, fp32 channels-last %.2f s, bf16 channels-last "
              "%.2f s; max|diff|/max|ref|: channels-last %.2g, bf16 %.2g\n",
              (long long)o.image_size, (long long)o.image_size, at::get_num_threads(), nchw.seconds, cl.seconds, bf.seconds,
              d_cl, d_bf);
  EXPECT_LT(d_cl, 1e-4);
  EXPECT_LT(d_bf, 0.05);
  EXPECT_TRUE(at::isfinite(bf.image).all().item<bool>());
}
