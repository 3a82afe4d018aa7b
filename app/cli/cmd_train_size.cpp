// ripen-cli train size: times the embedded model's networks (UNet at CFG batch 2 on 16×16 latents, VAE decode,
// text encoder) with random weights, to size them for a 2-core CPU before any training.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "cli/cmd_train.h"
#include "nets/unet.h"
#include "training/embedded_config.h"

namespace ripen::cli {
namespace {

template <class F>
double median_ms(int reps, F&& f) {
  f();  // warm-up
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto a = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

int64_t count(const ParamStore& ps) {
  int64_t n = 0;
  for (const auto& [k, v] : ps.params()) n += v.numel();
  return n;
}

int run_size(Args& args) {
  std::string scale = args.get_or("--scale", "small");
  int reps = args.get_int("--reps", 20);
  int batch = args.get_int("--batch", 2);
  bool args_breakdown = args.flag("--breakdown");
  args.finish();
  at::NoGradGuard no_grad;
  auto ucfg = training::embedded_unet_config(scale);
  auto ups = ParamStore::random(1);
  auto unet = UNet2DCondition::bind(ups, ucfg);
  auto x = at::randn({batch, 4, 16, 16});
  auto t = at::full({batch}, 500.0);
  auto ctx = at::randn({batch, 77, ucfg.cross_attention_dim});
  double u = median_ms(reps, [&] { unet.forward(x, t, ctx); });
  if (args_breakdown) {  // time between the UNet's module probes, one more call
    auto last = std::chrono::steady_clock::now();
    unet.probe = [&](const std::string& name, const at::Tensor&) {
      auto now = std::chrono::steady_clock::now();
      std::cout << "  " << name << " " << std::chrono::duration<double, std::milli>(now - last).count() << " ms\n";
      last = now;
    };
    unet.forward(x, t, ctx);
    unet.probe = nullptr;
  }
  auto vcfg = training::embedded_vae_config(scale);
  auto vps = ParamStore::random(2);
  auto vae = AutoencoderKL::bind(vps, vcfg);
  double d = median_ms(reps, [&] { vae.decode(at::randn({1, 4, 16, 16})); });
  std::cout << "scale " << scale << ": unet " << count(ups) / 1e6 << " M params, " << u << " ms per eval at batch " << batch << "; vae "
            << count(vps) / 1e6 << " M params, decode " << d << " ms\n";
  return 0;
}

RegisterTrainSubcommand reg{"size", {"time the embedded networks with random weights: [--scale tiny|small|lean|medium]", run_size}};

}  // namespace
}  // namespace ripen::cli
