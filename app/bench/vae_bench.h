#pragma once
// Timing of a full-size VAE decode with random weights (for `ripen-cli bench` and the perf tests).
#include <ATen/ATen.h>

#include "nets/autoencoder_kl.h"

namespace ripen {

struct VaeBenchOptions {
  int64_t image_size = 512;  // output pixels per side (latent = image_size / downscale)
  at::ScalarType dtype = at::kFloat;
  at::Device device = at::kCPU;
  bool channels_last = true;  // measured 1.3-1.5x faster on CPU (see tests/nets/test_vae_bench.cpp)
  bool tiled = false;
  VaeTiling tiling;
  int repeats = 1;      // timed decodes; the result is their minimum
  bool warmup = false;  // one untimed decode first (oneDNN primitive caches, CUDA kernels)
  uint64_t seed = 0;
};

struct VaeBenchResult {
  double seconds = 0;  // minimum over repeats
  at::Tensor image;    // the last decode's output (float32, CPU), for accuracy comparisons
};

VaeBenchResult bench_vae_decode(const VaeConfig& cfg, const VaeBenchOptions& options = {});

// Convenience: seconds of one decode (what `ripen-cli bench` puts into "vae_decode_seconds").
double bench_vae_decode_seconds(const VaeConfig& cfg, int64_t image_size, at::ScalarType dtype = at::kFloat,
                                at::Device device = at::kCPU);

}  // namespace ripen
