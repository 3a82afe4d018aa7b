#include "pipeline/pipeline.h"
#include <ATen/core/grad_mode.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "models/model.h"
#include "nets/latent_preview.h"
#include "pipeline/plan_runner.h"
#include "pipeline/refine.h"
#include "sampling/brownian.h"
#include "sampling/cfg_denoiser.h"
#include "sampling/noise.h"
#include "sampling/schedules.h"
#include "text/conditioning.h"
#include "tensors/error.h"

namespace ripen {
namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct TextCond {
  at::Tensor cond, uncond;                // [1, T, C]
  at::Tensor pooled_cond, pooled_uncond;  // [1, P] (SDXL)
};

// Prompt weighting, 75-token chunks, clip skip and SDXL's zeros for an empty negative: text::TextConditioner.
TextCond encode_text(const models::LoadedModel& m, const GenerationRequest& r) {
  if (!m.tokenizer || !m.text_encoder) throw Error(m.name + ": the model has no tokenizer/text encoder loaded");
  const bool sdxl = m.arch == models::Arch::SDXL;
  std::vector<text::TextEncoderRef> encoders{{&*m.tokenizer, &*m.text_encoder}};
  if (sdxl) {
    if (!m.tokenizer_2 || !m.text_encoder_2) throw Error(m.name + ": SDXL model without its second text encoder");
    encoders.push_back({&*m.tokenizer_2, &*m.text_encoder_2});
  }
  text::TextArch arch = sdxl ? text::TextArch::SDXL : m.arch == models::Arch::SD2 ? text::TextArch::SD2 : text::TextArch::SD1;
  text::TextConditioner conditioner(arch, encoders);
  text::ConditioningOptions co;
  co.clip_skip = r.clip_skip;
  co.zeros_for_empty_negative = m.force_zeros_for_empty_prompt;
  auto [pos, neg] = conditioner.encode_pair({r.prompt}, {r.negative_prompt}, co);
  TextCond t;
  t.cond = pos.context.to(at::kFloat);
  t.uncond = neg.context.to(at::kFloat);
  if (sdxl) {
    t.pooled_cond = pos.pooled.to(at::kFloat);
    t.pooled_uncond = neg.pooled.to(at::kFloat);
  }
  return t;
}

std::shared_ptr<const sampling::DiscreteSchedule> model_schedule(const models::LoadedModel& m) {
  const auto& s = m.scheduler;
  if (s.beta_schedule != "scaled_linear")
    throw Error(m.name + ": beta schedule '" + s.beta_schedule + "' is not supported (only scaled_linear)");
  auto precision = m.detection.layout == models::Layout::DiffusersFolder ? sampling::BetaPrecision::DiffusersFloat32
                                                                          : sampling::BetaPrecision::LdmFloat64;
  return std::make_shared<sampling::DiscreteSchedule>(sampling::scaled_linear_alphas_cumprod(
      precision, int(s.num_train_timesteps), s.beta_start, s.beta_end));
}

std::string resolve_model_path(const std::string& model) { return models::resolve_model_path(model); }

// Shrinks [B, 3, h, w] so its longest side is at most max_side (box filter for whole factors: TAESD's 8x output).
at::Tensor fit_preview(at::Tensor rgb, int max_side) {
  int64_t h = rgb.size(2), w = rgb.size(3);
  if (max_side <= 0 || std::max(h, w) <= max_side) return rgb;
  const int64_t k = (std::max(h, w) + max_side - 1) / max_side;
  if (h % k == 0 && w % k == 0) return at::avg_pool2d(rgb, {k, k});
  double s = double(max_side) / std::max(h, w);
  return at::upsample_bilinear2d(rgb, {std::max<int64_t>(1, int64_t(h * s)), std::max<int64_t>(1, int64_t(w * s))},
                                 false);
}

at::Tensor preview_rgb(const at::Tensor& denoised, const LatentRgbFactors& f, int max_side) {
  return fit_preview(latent_to_rgb(denoised.detach().to(at::kFloat), f), max_side);
}

// The first image's x0 estimate through TAESD, [1, 3, H, W] in [0, 1].
at::Tensor taesd_preview(const Taesd& taesd, const at::Tensor& denoised, int max_side) {
  at::Tensor img = taesd.decode(denoised.detach().slice(0, 0, 1));
  return fit_preview(img.add(1).mul_(0.5).clamp_(0, 1), max_side);
}
}  // namespace

const std::atomic<bool>& Pipeline::never_cancel() {
  static const std::atomic<bool> never{false};
  return never;
}

at::Tensor latent_to_rgb(const at::Tensor& latents, const LatentRgbFactors& f) {
  // nets/latent_preview's convention, batched and kept as float for the controller's preview score.
  at::Tensor w = f.weight.to(latents.device(), latents.scalar_type());
  at::Tensor rgb = at::einsum("bchw,cr->brhw", {latents.slice(1, 0, w.size(0)), w});
  rgb = rgb + f.bias.to(rgb.options()).view({1, 3, 1, 1});
  return ((rgb + 1) * 0.5).clamp(0, 1);
}

Image to_image(const at::Tensor& chw) {
  at::Tensor t = chw.detach().to(at::kCPU, at::kFloat).clamp(0, 1).mul(255).round().to(at::kByte);
  t = t.permute({1, 2, 0}).contiguous();
  Image img;
  img.height = int(t.size(0));
  img.width = int(t.size(1));
  img.rgb.assign(t.data_ptr<uint8_t>(), t.data_ptr<uint8_t>() + t.numel());
  return img;
}

nlohmann::json GenerationResult::to_json() const {
  const char* st = status == Status::Ok ? "ok" : status == Status::Cancelled ? "cancelled" : "failed";
  nlohmann::json cps = nlohmann::json::array();
  for (const auto& c : checkpoints)
    cps.push_back({{"step", c.step}, {"sigma", c.sigma}, {"latent_change", c.latent_change},
                   {"preview_change", c.preview_change}, {"stop", c.stop}});
  return {{"status", st},
          {"error", error},
          {"request", request.to_json()},
          {"plan", plan.to_json()},
          {"record", record.to_json()},
          {"composition_sigma", composition_sigma},
          {"sigmas", sigmas},
          {"checkpoints", cps},
          {"images", images.size()}};
}

Pipeline::Pipeline(PipelineOptions options) : options_(std::move(options)) {}
Pipeline::~Pipeline() = default;

std::shared_ptr<models::LoadedModel> Pipeline::model(const std::string& request_path) {
  std::string path = resolve_model_path(request_path);
  std::lock_guard<std::mutex> lock(mutex_);
  if (cached_ && cached_path_ == path) return cached_;
  cached_.reset();  // one model at a time: free the old weights before loading the new ones
  models::LoadOptions lo;
  lo.device = options_.device;
  lo.dtype = options_.dtype;
  lo.compute_hash = false;
  lo.taesd_path = options_.taesd_path;
  auto loaded = std::make_shared<models::LoadedModel>(models::load_model(path, lo));
  cached_ = loaded;
  cached_path_ = path;
  return cached_;
}

void Pipeline::drop_cache() {
  std::lock_guard<std::mutex> lock(mutex_);
  cached_.reset();
  cached_path_.clear();
}

at::Tensor Pipeline::decode(const std::string& model_path, const at::Tensor& latents) {
  auto m = model(model_path);
  if (!m->vae) throw Error(m->name + ": the model has no VAE loaded");
  at::NoGradGuard no_grad;
  at::Tensor z = m->vae->from_latent(latents.to(m->vae->device()));
  bool tiled = z.size(2) > options_.vae_tile_latent || z.size(3) > options_.vae_tile_latent;
  at::Tensor img = tiled ? m->vae->decode_tiled(z) : m->vae->decode(z);
  return (img / 2 + 0.5).clamp(0, 1);
}

GenerationResult Pipeline::generate(const GenerationRequest& request, const StepSink& on_step,
                                    const std::atomic<bool>& cancel, const GenerateInputs& inputs) {
  GenerationResult failed;
  failed.request = request;
  try {
    if (request.width == 0 && request.height == 0) {
      // 0x0: the model's native size (the UNet's sample_size in latent pixels), e.g. 64x64 for the embedded model.
      GenerationRequest native = request;
      const int64_t side = models::native_image_size(model(request.model)->configs);
      if (side <= 0) throw Error(request.model + ": the model's configs give no native size; pass a size");
      native.width = native.height = int(side);
      return run(native, on_step, cancel, inputs);
    }
    return run(request, on_step, cancel, inputs);
  } catch (const sampling::Cancelled&) {
    failed.status = GenerationResult::Status::Cancelled;
    failed.error = "cancelled";
  } catch (const std::exception& e) {
    failed.status = GenerationResult::Status::Failed;
    failed.error = e.what();
  } catch (...) {
    failed.status = GenerationResult::Status::Failed;
    failed.error = "unknown error";
  }
  return failed;
}

GenerationResult Pipeline::run(const GenerationRequest& req, const StepSink& on_step, const std::atomic<bool>& cancel,
                               const GenerateInputs& in) {
  const auto t0 = Clock::now();
  at::NoGradGuard no_grad;
  GenerationResult res;
  res.request = req;
  res.plan = plan_for(req);
  if (in.plan) res.plan = *in.plan;
  res.record.plan = res.plan;  // the record (library row, image metadata) keeps the plan that ran
  const SamplingPlan& plan = res.plan;
  // The 2x refinement pass's step events continue the base pass's count, as phase "refine".
  const int refine_extra = plan.refine_2x ? plan.refine_steps : 0;
  int refine_offset = -1;  // steps done before the refine pass, once it runs
  auto emit = [&](StepEvent e) {
    if (!on_step) return;
    if (e.phase == "sampling" || e.phase == "tail") {
      if (refine_offset >= 0) e.step += refine_offset, e.planned += refine_offset, e.phase = "refine";
      else e.planned += refine_extra;
    }
    e.elapsed = since(t0);
    on_step(e);
  };

  auto m = model(req.model);
  if (!m->unet || !m->vae) throw Error(m->name + ": the model needs a UNet and a VAE");
  res.record.model_name = m->name;
  res.record.model_hash = m->short_hash;
  const bool sdxl = m->arch == models::Arch::SDXL;
  const int64_t down = m->vae->config().downscale();
  const int64_t B = req.batch, h = req.height / down, w = req.width / down;
  const int64_t C = m->unet->config().in_channels;
  const at::TensorOptions opts = at::TensorOptions().device(options_.device).dtype(at::kFloat);

  // Text.
  auto t_text = Clock::now();
  TextCond tc = encode_text(*m, req);
  res.record.seconds_text = since(t_text);
  if (cancel.load()) throw sampling::Cancelled();

  // Conditioning batches for the UNet, built once: [uncond × B, cond × B] and [cond × B].
  at::Tensor ctx_both = at::cat({tc.uncond.expand({B, -1, -1}), tc.cond.expand({B, -1, -1})}).contiguous();
  at::Tensor ctx_cond = tc.cond.expand({B, -1, -1}).contiguous();
  UNetAddedCond added_both, added_cond;
  if (sdxl) {
    at::Tensor ids = at::tensor({double(req.height), double(req.width), 0., 0., double(req.height), double(req.width)},
                                at::kFloat)
                         .view({1, 6});
    added_both.text_embeds = at::cat({tc.pooled_uncond.expand({B, -1}), tc.pooled_cond.expand({B, -1})}).contiguous();
    added_both.time_ids = ids.expand({2 * B, 6}).contiguous();
    added_cond.text_embeds = tc.pooled_cond.expand({B, -1}).contiguous();
    added_cond.time_ids = ids.expand({B, 6}).contiguous();
  }
  const UNet2DCondition& unet = *m->unet;
  struct ReleaseContext {  // however the generation ends
    const UNet2DCondition& unet;
    ~ReleaseContext() { unet.release_context(); }
  } release_context{unet};
  int64_t unet_evals = 0;
  sampling::ModelFn net = [&](const at::Tensor& x_in, const at::Tensor& t, sampling::CondBatch which) {
    ++unet_evals;
    auto tu = Clock::now();
    bool both = which == sampling::CondBatch::UncondAndCond;
    at::Tensor out =
        unet.forward(x_in, t, both ? ctx_both : ctx_cond, sdxl ? (both ? &added_both : &added_cond) : nullptr);
    if (options_.sync_timing && !out.is_cpu()) out.sum().item<double>();  // wait for the device
    res.seconds_unet += since(tu);
    return out;
  };

  // σ sequence, timesteps and the start scale.
  auto schedule = model_schedule(*m);
  sampling::CfgDenoiserOptions base;
  base.prediction = m->prediction == models::Prediction::V ? sampling::Prediction::V : sampling::Prediction::Epsilon;
  std::vector<double> sigmas;
  double init_scale = 1;
  if (options_.parity == Parity::Diffusers && plan.schedule == "discrete") {
    auto dt = sampling::diffusers_euler_timesteps(schedule->alphas_cumprod(), plan.steps,
                                                  sampling::timestep_spacing_from_string(m->scheduler.timestep_spacing),
                                                  int(m->scheduler.steps_offset));
    sigmas = dt.sigmas;
    base.timestep_mode = sampling::TimestepMode::Table;
    base.timestep_table = dt.timesteps;
    init_scale = dt.init_noise_sigma;
  } else {
    sigmas = sampling::make_sigmas(plan.schedule, plan.steps, *schedule);
    base.timestep_mode =
        options_.parity == Parity::Diffusers ? sampling::TimestepMode::Rounded : sampling::TimestepMode::Continuous;
    init_scale = options_.parity == Parity::Diffusers ? std::sqrt(sigmas[0] * sigmas[0] + 1) : sigmas[0];
  }

  // Noise: initial latents (image i from seed + i) and one Brownian path per image seed for step noise.
  std::vector<uint64_t> seeds;
  for (int64_t i = 0; i < B; ++i) seeds.push_back(req.seed + uint64_t(i));
  sampling::NoiseSampler noise = sampling::brownian_noise_sampler(seeds, {C, h, w}, opts);
  at::Tensor x;
  PlanRunOptions ro;
  ro.sigmas = sigmas;
  ro.sigma_min = schedule->sigma_min();
  ro.noise = noise;
  ro.cancel = &cancel;
  ro.predictor = in.predictor;
  if (!ro.predictor && m->stop_predictor) ro.predictor = std::make_shared<TrainedStopPredictor>(m->stop_predictor);
  if (in.start) {
    const StartPoint& sp = *in.start;
    if (!sp.latents.defined() || sp.latents.dim() != 4 || sp.latents.size(0) != B || sp.latents.size(1) != C ||
        sp.latents.size(2) != h || sp.latents.size(3) != w)
      throw Error("start latents have shape " + shape_str(sp.latents.sizes()) + ", expected [" + std::to_string(B) +
                  ", " + std::to_string(C) + ", " + std::to_string(h) + ", " + std::to_string(w) + "]");
    if (!(sp.sigma > 0)) throw Error("start sigma must be > 0");
    x = sp.latents.to(opts);
    if (sp.renoise) x = x + noise(0.0, sp.sigma) * sp.sigma;
    int i = 1;
    while (i < plan.steps && sigmas[i] >= sp.sigma) ++i;
    ro.first_step = i - 1;
    ro.sigmas[i - 1] = sp.sigma;
  } else {
    at::Tensor n0 = in.initial_noise.defined()
                        ? in.initial_noise.to(opts)
                        : sampling::initial_noise(req.noise == NoiseSource::Philox ? sampling::NoiseSource::Philox
                                                                                   : sampling::NoiseSource::Cpu,
                                                  req.seed, B, {C, h, w}, opts);
    if (n0.sizes() != at::IntArrayRef({B, C, h, w}))
      throw Error("initial noise has shape " + shape_str(n0.sizes()) + ", expected [" + std::to_string(B) + ", " +
                  std::to_string(C) + ", " + std::to_string(h) + ", " + std::to_string(w) + "]");
    x = n0 * init_scale;
  }

  // Sampling.
  std::vector<std::shared_ptr<sampling::CfgDenoiser>> keep;
  DenoiserFactory factory = [&](const sampling::GuidanceSchedule& g) {
    sampling::CfgDenoiserOptions o = base;
    o.guidance = g;
    auto d = std::make_shared<sampling::CfgDenoiser>(net, schedule, o);
    keep.push_back(d);
    return d->as_denoiser();
  };
  const int preview_size = options_.preview_size;
  ro.preview = [&](const at::Tensor& denoised, int) {
    if (preview_size <= 0) return at::Tensor();
    auto tp = Clock::now();
    at::Tensor p = preview_rgb(denoised, m->latent_rgb, preview_size);
    res.seconds_preview += since(tp);
    return p;
  };
  // TAESD previews (PipelineOptions::taesd_every): never on the last step, which the VAE decodes right after.
  const bool use_taesd = m->taesd && preview_size > 0 && options_.taesd_every >= 0;
  const std::string taesd_key = m->path + " " + std::to_string(h) + "x" + std::to_string(w);
  if (taesd_key != taesd_decode_key_) taesd_decode_seconds_ = 0, taesd_decode_key_ = taesd_key;
  Clock::time_point t_sample;
  auto taesd_due = [&](const PlanStep& s) {
    if (!use_taesd || s.sigma_next <= 0) return false;
    if (options_.taesd_every > 0) return s.step % options_.taesd_every == 0;
    const double sampling = since(t_sample) - res.seconds_preview_taesd;
    return res.seconds_preview_taesd + taesd_decode_seconds_ <= options_.taesd_budget * sampling;
  };
  ro.on_step = [&](const PlanStep& s) {
    StepEvent e;
    e.step = s.step;
    e.planned = s.planned;
    e.sigma = s.sigma_next;
    e.phase = s.tail ? "tail" : "sampling";
    if (taesd_due(s)) {
      auto tp = Clock::now();
      e.preview = to_image(taesd_preview(*m->taesd, s.denoised, preview_size)[0]);
      e.preview_taesd = true;
      taesd_decode_seconds_ = since(tp);
      res.seconds_preview_taesd += taesd_decode_seconds_;
      res.seconds_preview += taesd_decode_seconds_;
      ++res.taesd_previews;
    } else if (s.preview.defined()) {
      auto tp = Clock::now();
      e.preview = to_image(s.preview[0]);
      res.seconds_preview += since(tp);
    }
    emit(e);
  };
  t_sample = Clock::now();
  PlanRunResult pr = run_plan(plan, factory, x, ro);
  res.record.seconds_sampling = since(t_sample);
  res.record.steps_used = pr.steps_used;
  res.record.steps_planned = pr.steps_planned;
  res.record.unet_evals = int(unet_evals);
  res.record.stop_reason = pr.stop_reason;
  res.latents = pr.x;
  res.composition_latents = pr.composition;
  res.composition_sigma = pr.composition_sigma;
  res.sigmas = pr.sigmas_used;
  res.checkpoints = pr.checkpoints;
  if (cancel.load()) throw sampling::Cancelled();

  // Quality mode's 2x refinement pass (pipeline/refine.h): upscale, re-noise to σ_r along each image seed's
  // Brownian path at the 2x latent size, refine_steps steps to σ = 0.
  if (plan.refine_2x) {
    const int64_t f = 2;
    auto t_up = Clock::now();
    emit(StepEvent{pr.steps_used, pr.steps_used + refine_extra, 0, 0.0, {}, false, 0, "upscale"});
    at::Tensor up = plan.refine_upscale == "latent"
                        ? upscale_latents_bilinear(pr.x, f)
                        : upscale_image_to_latents(*m->vae, decode(req.model, pr.x), f, options_.vae_tile_latent);
    up = up.to(opts);
    res.record.seconds_upscale = since(t_up);
    if (cancel.load()) throw sampling::Cancelled();
    if (sdxl) {
      const double H2 = double(f * req.height), W2 = double(f * req.width);
      at::Tensor ids = at::tensor({H2, W2, 0., 0., H2, W2}, at::kFloat).view({1, 6});
      added_both.time_ids = ids.expand({2 * B, 6}).contiguous();
      added_cond.time_ids = ids.expand({B, 6}).contiguous();
    }
    RefineSigmas rs = refine_sigmas(plan, *schedule);
    PlanRunOptions rro = ro;
    rro.sigmas = rs.sigmas;
    rro.first_step = 0;
    rro.predictor = nullptr;
    rro.noise = sampling::brownian_noise_sampler(seeds, {C, f * h, f * w}, opts);
    at::Tensor xr = up + rro.noise(0.0, rs.sigma_r) * rs.sigma_r;
    sampling::CfgDenoiserOptions rbase = base;  // a diffusers timestep table belongs to the base σ sequence
    if (rbase.timestep_mode == sampling::TimestepMode::Table) rbase.timestep_mode = sampling::TimestepMode::Rounded;
    DenoiserFactory refine_factory = [&](const sampling::GuidanceSchedule& g) {
      sampling::CfgDenoiserOptions o = rbase;
      o.guidance = g;
      auto d = std::make_shared<sampling::CfgDenoiser>(net, schedule, o);
      keep.push_back(d);
      return d->as_denoiser();
    };
    refine_offset = pr.steps_used;
    auto t_ref = Clock::now();
    PlanRunResult rr = run_plan(refine_pass_plan(plan), refine_factory, xr, rro);
    res.record.seconds_refine = since(t_ref);
    res.record.seconds_sampling += res.record.seconds_refine;
    res.record.steps_used += rr.steps_used;
    res.record.steps_planned += rr.steps_planned;
    res.record.unet_evals = int(unet_evals);
    res.record.refined_2x = true;
    res.record.refine_steps = rr.steps_used;
    res.record.refine_sigma = rs.sigma_r;
    res.latents = rr.x;
    if (cancel.load()) throw sampling::Cancelled();
  }

  // Decode.
  auto t_dec = Clock::now();
  emit(StepEvent{res.record.steps_used, res.record.steps_used, 0, 0.0, {}, false, 0, "decode"});
  at::Tensor imgs = decode(req.model, res.latents);
  for (int64_t i = 0; i < B; ++i) res.images.push_back(to_image(imgs[i]));
  res.record.seconds_decode = since(t_dec);
  res.record.seconds_total = since(t0);
  res.status = GenerationResult::Status::Ok;
  return res;
}

}  // namespace ripen
