#include "bench/pipeline_bench.h"
#include <ATen/core/grad_mode.h>

#include <chrono>

#include "nets/taesd.h"
#include "pipeline/metrics.h"
#include "pipeline/plan_runner.h"
#include "sampling/brownian.h"
#include "sampling/schedules.h"
#include "tensors/params.h"

namespace ripen {
namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
}  // namespace

StepOverhead measure_step_overhead(int64_t batch, int64_t h, int64_t w, const SamplingPlan& plan_in,
                                   const at::Device& device, int repeats) {
  at::NoGradGuard no_grad;
  SamplingPlan plan = plan_in;
  plan.adaptive.enabled = plan_in.adaptive.enabled;
  auto opts = at::TensorOptions().device(device).dtype(at::kFloat);
  at::Tensor target = at::randn({batch, 4, h, w}, at::TensorOptions().dtype(at::kFloat)).to(opts);
  // A free denoiser with the shape of a real one (x0 moves towards a fixed target as σ falls).
  DenoiserFactory factory = [&](const sampling::GuidanceSchedule&) {
    return sampling::Denoiser([&](const at::Tensor& x, double sigma, int) {
      return target + (x - target) * (0.25 / (0.25 + sigma * sigma));
    });
  };
  const LatentRgbFactors factors = latent_rgb_factors("sd1");
  StepOverhead best{1e30, 1e30, 0};
  for (int rep = 0; rep < std::max(1, repeats); ++rep) {
    double preview = 0;
    PlanRunOptions o;
    o.sigmas = sampling::karras_sigmas(plan.steps, 0.0292, 14.6146);
    std::vector<uint64_t> seeds;
    for (int64_t i = 0; i < batch; ++i) seeds.push_back(uint64_t(i));
    o.noise = sampling::brownian_noise_sampler(seeds, {4, h, w}, opts);
    o.preview = [&](const at::Tensor& d, int) {
      auto t = Clock::now();
      at::Tensor p = latent_to_rgb(d, factors);
      preview += since(t);
      return p;
    };
    o.on_step = [&](const PlanStep& s) {
      auto t = Clock::now();
      Image img = to_image(s.preview[0]);
      preview += since(t);
    };
    at::Tensor x = at::randn({batch, 4, h, w}, at::TensorOptions().dtype(at::kFloat)).to(opts) * o.sigmas[0];
    auto t0 = Clock::now();
    PlanRunResult r = run_plan(plan, factory, x, o);
    if (!r.x.is_cpu()) r.x.sum().item<double>();
    double total = since(t0);
    int steps = std::max(1, r.steps_used);
    best.steps = steps;
    best.sampler_seconds_per_step = std::min(best.sampler_seconds_per_step, (total - preview) / steps);
    best.preview_seconds_per_step = std::min(best.preview_seconds_per_step, preview / steps);
  }
  return best;
}

TaesdPreviewCost measure_taesd_preview(int64_t h, int64_t w, int preview_size, const at::Device& device, int repeats) {
  at::NoGradGuard no_grad;
  ParamStore ps = ParamStore::random(1, at::TensorOptions().device(device).dtype(at::kFloat));
  Taesd taesd = Taesd::bind(ps, TaesdConfig{}, false, true);
  at::Tensor x0 = at::randn({1, 4, h, w}, at::TensorOptions().dtype(at::kFloat)).to(device);
  const LatentRgbFactors factors = latent_rgb_factors("sd1");
  TaesdPreviewCost best{1e30, 1e30};
  for (int rep = 0; rep < std::max(1, repeats) + 1; ++rep) {  // the first round warms up
    auto t = Clock::now();
    Image a = to_image(latent_to_rgb(x0, factors)[0]);
    double linear = since(t);
    t = Clock::now();
    at::Tensor img = taesd.decode(x0).add(1).mul_(0.5).clamp_(0, 1);
    const int64_t k = std::max<int64_t>(1, (std::max(img.size(2), img.size(3)) + preview_size - 1) / preview_size);
    if (k > 1) img = at::avg_pool2d(img, {k, k});
    Image b = to_image(img[0]);
    double dec = since(t);
    if (rep == 0) continue;
    best.linear_seconds = std::min(best.linear_seconds, linear);
    best.taesd_seconds = std::min(best.taesd_seconds, dec);
  }
  return best;
}

nlohmann::json bench_presets(Pipeline& pipeline, const GenerationRequest& base, const std::vector<Preset>& presets) {
  nlohmann::json out = nlohmann::json::object();
  GenerationRequest warm = base;
  warm.preset = Preset::Custom;
  warm.sampler = "euler";
  warm.steps = 1;
  GenerationResult w = pipeline.generate(warm);  // loads the model, warms caches
  if (!w.ok()) return {{"error", w.error}};
  std::map<Preset, Image> first;
  for (Preset p : presets) {
    GenerationRequest r = base;
    r.preset = p;
    GenerationResult g = pipeline.generate(r);
    if (!g.ok()) {
      out[to_string(p)] = {{"error", g.error}};
      continue;
    }
    const auto& rec = g.record;
    int steps = std::max(1, rec.steps_used);
    double other = rec.seconds_sampling - g.seconds_unet - g.seconds_preview;
    out[to_string(p)] = {{"seconds_total", rec.seconds_total},
                         {"seconds_text", rec.seconds_text},
                         {"seconds_sampling", rec.seconds_sampling},
                         {"seconds_decode", rec.seconds_decode},
                         {"steps", rec.steps_used},
                         {"unet_evals", rec.unet_evals},
                         {"stop_reason", rec.stop_reason},
                         {"seconds_per_unet_eval", rec.unet_evals ? g.seconds_unet / rec.unet_evals : 0.0},
                         {"preview_seconds_per_step", g.seconds_preview / steps},
                         {"taesd_previews", g.taesd_previews},
                         {"taesd_seconds", g.seconds_preview_taesd},
                         {"sampler_seconds_per_step", other / steps},
                         {"overhead_fraction_of_unet_eval",
                          rec.unet_evals ? (other + g.seconds_preview) / steps / (g.seconds_unet / rec.unet_evals) : 0.0}};
    if (!g.images.empty()) first[p] = g.images[0];
  }
  if (first.count(Preset::Fast) && first.count(Preset::Quality)) {
    GenerationRequest other = base;
    other.preset = Preset::Quality;
    other.seed = base.seed + 1000;
    GenerationResult g = pipeline.generate(other);
    out["equivalence"] = {{"ssim_fast_vs_quality_same_seed", ssim(first[Preset::Fast], first[Preset::Quality])}};
    if (g.ok()) out["equivalence"]["ssim_quality_two_seeds_floor"] = ssim(first[Preset::Quality], g.images[0]);
    out["speedup"] = {
        {"wall_quality_over_fast", out["quality"]["seconds_total"].get<double>() / out["fast"]["seconds_total"].get<double>()},
        {"unet_evals_quality_over_fast",
         double(out["quality"]["unet_evals"].get<int>()) / std::max(1, out["fast"]["unet_evals"].get<int>())}};
  }
  return out;
}

}  // namespace ripen
