#include "bench/vae_bench.h"
#include <ATen/core/grad_mode.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <limits>

namespace ripen {

namespace {
void sync(const at::Device& device, const at::Tensor& t) {
  // A host copy of one element waits for the device's queue, without needing CUDA headers here.
  if (!device.is_cpu()) (void)t.flatten().slice(0, 0, 1).to(at::kCPU);
}
}  // namespace

VaeBenchResult bench_vae_decode(const VaeConfig& cfg, const VaeBenchOptions& o) {
  at::NoGradGuard no_grad;
  ParamStore ps = ParamStore::random(o.seed, at::TensorOptions().dtype(o.dtype).device(o.device));
  AutoencoderKL vae = AutoencoderKL::bind(ps, cfg);
  vae.set_channels_last(o.channels_last);
  const int64_t side = o.image_size / cfg.downscale();
  auto gen = at::detail::createCPUGenerator(o.seed + 1);
  at::Tensor z = at::normal(0.0, 1.0, {1, cfg.latent_channels, side, side}, gen).to(o.device);
  auto once = [&] { return o.tiled ? vae.decode_tiled(z, o.tiling) : vae.decode(z); };
  if (o.warmup) sync(o.device, once());
  VaeBenchResult r;
  r.seconds = std::numeric_limits<double>::infinity();
  for (int i = 0; i < std::max(1, o.repeats); ++i) {
    auto t0 = std::chrono::steady_clock::now();
    at::Tensor img = once();
    sync(o.device, img);
    r.seconds = std::min(r.seconds, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    r.image = img.to(at::kCPU);
  }
  return r;
}

double bench_vae_decode_seconds(const VaeConfig& cfg, int64_t image_size, at::ScalarType dtype, at::Device device) {
  VaeBenchOptions o;
  o.image_size = image_size;
  o.dtype = dtype;
  o.device = device;
  return bench_vae_decode(cfg, o).seconds;
}

}  // namespace ripen
