#include "bench/unet_bench.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>

#include <chrono>
#include <ctime>

namespace ripen {

namespace {
double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
void sync(const at::Device& device, const at::Tensor& t) {
  if (!device.is_cpu()) (void)t.flatten().slice(0, 0, 1).to(at::kCPU);  // waits for the device queue
}
}  // namespace

UNetBenchResult bench_unet(const UNetConfig& cfg, const UNetBenchOptions& o) {
  // As the pipeline runs it: weights and inputs are ordinary tensors and grad mode is off (forward enters
  // InferenceMode itself), so what keys on version counters (packed conv weights, cross-attention K/V) applies.
  at::NoGradGuard no_grad;
  UNetBenchResult r;
  auto t0 = std::chrono::steady_clock::now();
  ParamStore ps = ParamStore::random(o.seed, at::TensorOptions().dtype(o.dtype).device(o.device));
  UNet2DCondition unet = UNet2DCondition::bind(ps, cfg);
  ps.finish();
  r.build_seconds = since(t0);
  for (const auto& [k, t] : ps.params()) r.parameters += t.numel();

  auto gen = at::detail::createCPUGenerator(o.seed + 1);
  const int64_t down = 8;
  at::Tensor sample = at::normal(0.0, 1.0, {o.batch, cfg.in_channels, o.height / down, o.width / down}, gen);
  at::Tensor context = at::normal(0.0, 1.0, {o.batch, o.context_tokens, cfg.cross_attention_dim}, gen);
  at::Tensor timesteps = at::full({o.batch}, 500.0f);
  UNetAddedCond added;
  if (cfg.has_text_time()) {
    const int64_t pooled = cfg.projection_class_embeddings_input_dim - 6 * cfg.addition_time_embed_dim;
    added.text_embeds = at::normal(0.0, 1.0, {o.batch, pooled}, gen);
    added.time_ids = at::tensor({double(o.height), double(o.width), 0.0, 0.0, double(o.height), double(o.width)},
                                at::kFloat)
                         .repeat({o.batch, 1});
  }
  auto to_dev = [&](const at::Tensor& t) { return t.defined() ? t.to(o.device, o.dtype) : t; };
  sample = to_dev(sample);
  context = to_dev(context);
  added.text_embeds = to_dev(added.text_embeds);
  added.time_ids = added.time_ids.defined() ? added.time_ids.to(o.device) : added.time_ids;
  const UNetAddedCond* cond = cfg.has_text_time() ? &added : nullptr;

  auto once = [&] {
    at::Tensor out = unet.forward(sample, timesteps, context, cond);
    sync(o.device, out);
    return out;
  };
  if (o.warmup) once();
  for (int i = 0; i < std::max(1, o.iters); ++i) {
    auto t1 = std::chrono::steady_clock::now();
    const std::clock_t c1 = std::clock();
    at::Tensor out = once();
    r.seconds.push_back(since(t1));
    r.cpu_seconds.push_back(static_cast<double>(std::clock() - c1) / CLOCKS_PER_SEC);
    if (i + 1 == std::max(1, o.iters)) r.output = out.to(at::kCPU, at::kFloat);
  }
  return r;
}

}  // namespace ripen
