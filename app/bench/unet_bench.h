#pragma once
// Timing of full-size UNet evaluations with random weights (for `ripen-cli bench`).
#include <ATen/ATen.h>

#include <vector>

#include "nets/unet.h"

namespace ripen {

struct UNetBenchOptions {
  int64_t batch = 2;                   // CFG: uncond + cond in one call
  int64_t height = 512, width = 512;   // image pixels; the latent is 1/8 of that
  int64_t context_tokens = 77;
  at::ScalarType dtype = at::kFloat;
  at::Device device = at::kCPU;
  int iters = 1;                       // timed evaluations
  bool warmup = false;                 // one untimed evaluation first
  uint64_t seed = 0;                   // weights; inputs use seed + 1 (the same in every precision)
};

struct UNetBenchResult {
  std::vector<double> seconds;      // wall clock per timed evaluation
  std::vector<double> cpu_seconds;  // process CPU time per evaluation (steadier than wall time on a busy machine)
  double build_seconds = 0;     // creating the random weights
  int64_t parameters = 0;
  at::Tensor output;            // last output, float32 on CPU (to compare precisions)
};

UNetBenchResult bench_unet(const UNetConfig& cfg, const UNetBenchOptions& options = {});

}  // namespace ripen
