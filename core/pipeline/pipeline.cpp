#include "pipeline/pipeline.h"
#include <ATen/core/grad_mode.h>

#include <chrono>

#include "lora/apply.h"
#include "lora/request_networks.h"
#include "models/model.h"
#include "pipeline/plan_runner.h"
#include "pipeline/hires.h"
#include "pipeline/student_unet.h"
#include "sampling/brownian.h"
#include "sampling/noise.h"
#include "tensors/error.h"
#include "tensors/params.h"

namespace ripen {
namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
}  // namespace

const std::atomic<bool>& Pipeline::never_cancel() {
  static const std::atomic<bool> never{false};
  return never;
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
          {"record", record.to_json()},
          {"composition_sigma", composition_sigma},
          {"sigmas", sigmas},
          {"checkpoints", cps},
          {"images", images.size()}};
}

Pipeline::Pipeline(PipelineOptions options)
    : options_(std::move(options)), networks_(std::make_unique<lora::NetworkResolver>(options_.network_folders)) {}
Pipeline::~Pipeline() = default;

std::shared_ptr<models::LoadedModel> Pipeline::model(const std::string& request_path) { return model(request_path, "", ""); }

std::shared_ptr<models::LoadedModel> Pipeline::model(const std::string& request_path, const std::string& unet,
                                                     const std::string& vae) {
  std::string path = models::resolve_model_path(request_path);
  const std::string key = path + '\n' + unet + '\n' + vae;
  std::lock_guard<std::mutex> lock(mutex_);
  if (cached_ && cached_path_ == key) return cached_;
  models::LoadOptions lo;
  lo.device = options_.device;
  lo.dtype = options_.dtype;
  lo.taesd_path = options_.taesd_path;
  lo.student_path = options_.student_path;
  lo.unet_path = unet;
  lo.vae_path = vae;
  lo.compute_hash = false;
  models::inspect_model(path, lo);  // headers only: a refused file (or combination) leaves the loaded model in place
  cached_.reset();  // one model at a time: free the old weights before loading the new ones
  lo.compute_hash = true;  // A1111 "Model hash" in record and infotext; cached by path, size, mtime (models/model_hash.h)
  auto loaded = std::make_shared<models::LoadedModel>(models::load_model(path, lo));
  cached_ = loaded;
  cached_path_ = key;
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
  return decode_latents(*m->vae, latents, options_.vae_tile_latent);
}

GenerationResult Pipeline::generate(const GenerationRequest& request, const StepSink& on_step,
                                    const std::atomic<bool>& cancel, const GenerateInputs& inputs) {
  GenerationResult failed;
  failed.request = request;
  try {
    if (request.width == 0 && request.height == 0 && !request.image) {  // a picture gives its own size
      // 0x0: the model's native size (the UNet's sample_size in latent pixels), e.g. 64x64 for the embedded model.
      GenerationRequest native = request;
      const int64_t side = models::native_image_size(model(request.model, request.unet, request.vae)->configs);
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

// One generation's working set; each stage is one method, called in order by Pipeline::run.
struct Pipeline::Run {
  const PipelineOptions& options;
  TaesdTiming& taesd_timing;
  const models::LoadedModel& model;
  const UNet2DCondition& net;  // what denoises: the teacher's UNet, or the Draft tier's student
  const SamplingPlan& plan;
  const StepSink& sink;
  const std::atomic<bool>& cancel;
  GenerationResult& res;
  Clock::time_point t0;
  at::TensorOptions opts = at::TensorOptions().device(options.device).dtype(at::kFloat);
  std::vector<uint64_t> seeds;
  Conditioning conditioning;
  std::shared_ptr<const sampling::DiscreteSchedule> schedule;
  SigmaSchedule sigmas;
  std::optional<UNetDenoiser> unet;
  const PreparedImage* image = nullptr;  // request.image, prepared (stage_image.h)
  const PromptText* text = nullptr;  // the prompts as encoded (LoRA tags removed) and their embeddings
  models::SchedulerInfo scheduler = model.scheduler;  // a student's LCM origin grid is its own

  const GenerationRequest& request() const { return res.request; }
  void check_cancel() const {
    if (cancel.load()) throw sampling::Cancelled();
  }
  void emit(StepEvent e) const {
    if (!sink) return;
    e.elapsed = since(t0);
    sink(e);
  }

  void condition() {
    const auto t = Clock::now();
    conditioning = text ? encode_conditioning(model, request(), *text) : encode_conditioning(model, request());
    res.record.seconds_text = since(t);
    check_cancel();
    for (int64_t i = 0; i < request().batch; ++i) seeds.push_back(request().seed + uint64_t(i));
    schedule = std::make_shared<const sampling::DiscreteSchedule>(model_schedule(scheduler, model.detection.layout, model.name));
    sigmas = sigma_schedule(model, *schedule, plan, options.parity);
    if (const int n = int(sigmas.sigmas.size()) - 1; n != plan.steps) *res.record.plan = with_steps(plan, n);
    unet.emplace(net, conditioning, schedule, options.sync_timing);
    if (image && image->unet_extra.defined()) unet->set_extra_input(image->unet_extra.to(opts));
  }

  PlanRunOptions runner_options(std::vector<double> s, at::IntArrayRef shape, StepPreviews& previews) const {
    PlanRunOptions ro;
    ro.sigmas = std::move(s);
    ro.sigma_min = schedule->sigma_min();
    ro.noise = sampling::brownian_noise_sampler(seeds, shape.slice(1), opts);
    ro.cancel = &cancel;
    ro.preview = [&previews](const at::Tensor& denoised, int) { return previews.rgb(denoised); };
    ro.on_step = [this, &previews](const PlanStep& s) {
      StepEvent e = s.event;
      previews.attach(e, s);
      emit(std::move(e));
    };
    return ro;
  }

  void finish_pass(StepPreviews& previews) {
    res.seconds_preview += previews.seconds;
    res.seconds_preview_taesd += previews.seconds_taesd;
    res.taesd_previews += previews.taesd_count;
  }

  // The plan's own pass: from noise at σ_max or from a start point, to σ = 0.
  PlanRunResult denoise(const GenerateInputs& in) {
    const std::vector<int64_t> shape = latent_shape(model, request());
    StepPreviews previews(model, preview_options(), taesd_timing, shape[2], shape[3]);
    PlanRunOptions ro = runner_options(sigmas.sigmas, shape, previews);
    ro.predictor = in.predictor;
    if (in.step_noise.defined()) {
      if (in.step_noise.dim() != 5 || in.step_noise.sizes().slice(1) != at::IntArrayRef(shape))
        throw Error("step noise has shape " + shape_str(in.step_noise.sizes()) + ", expected [k, " +
                    shape_str(shape).substr(1));
      ro.noise = sampling::replay_noise_sampler(in.step_noise, opts);
    }
    if (!ro.predictor && model.stop_predictor) ro.predictor = std::make_shared<TrainedStopPredictor>(model.stop_predictor);
    ro.planned_extra = plan.hires ? plan.hires_steps : 0;
    StartedRun start = in.start ? start_at(*in.start, ro.sigmas, ro.noise, shape, opts)
                                : start_fresh(request(), in.initial_noise, sigmas.init_scale, shape, opts);
    DenoiserFactory factory = unet->factory(sigmas.options);
    PassBlend blend;
    if (image) {  // from a picture: its start (unless a promotion gives one) and the inpainting blend
      const at::Tensor unit = start_fresh(request(), in.initial_noise, 1.0, shape, opts).x;
      if (!in.start) {  // the run starts at the strength's step: the plan (and the record's) says so
        ImageStart is = start_from_image(*image, *request().image, ro.sigmas, unit, sigmas.init_scale);
        start = {is.x, is.first_step};
        res.record.plan->first_step = is.first_step;
      }
      if (image->latent_mask.defined()) {
        const at::Tensor init = image->init_latents.defined() ? image->init_latents.to(opts) : at::Tensor();
        blend = blend_pass(*image, init, unit, image->latent_mask.to(opts), factory, ro);
      }
    }
    ro.first_step = start.first_step;
    const auto t = Clock::now();
    previews.start_sampling();
    PlanRunResult pr = run_plan(plan, factory, start.x, ro);
    pr.x = blend.finish(pr.x);
    res.record.seconds_sampling = since(t);
    finish_pass(previews);
    res.record.steps_used = pr.steps_used;
    res.record.steps_planned = pr.steps_planned;
    res.record.stop_reason = pr.stop_reason;
    res.latents = pr.x;
    res.composition_latents = pr.composition;
    res.composition_sigma = pr.composition_sigma;
    res.sigmas = pr.sigmas_used;
    res.checkpoints = pr.checkpoints;
    check_cancel();
    return pr;
  }

  // Quality mode's 2x pass (hires.h): upscale, re-noise to σ_r along each image seed's Brownian path at the
  // 2x latent size, hires_steps steps to σ = 0. Its events count on from the base pass.
  void hires() {
    const int64_t f = 2;
    const int base_steps = res.record.steps_used;
    emit(StepEvent{base_steps, base_steps + plan.hires_steps, 0.0, Phase::Upscale});
    const auto t_up = Clock::now();
    at::Tensor up = plan.hires_upscale == "latent"
                        ? upscale_latents_bilinear(res.latents, f)
                        : upscale_image_to_latents(*model.vae, decode_latents(*model.vae, res.latents,
                                                                              options.vae_tile_latent),
                                                   f, options.vae_tile_latent);
    up = up.to(opts);
    res.record.seconds_upscale = since(t_up);
    check_cancel();
    conditioning.set_image_size(int(f) * request().height, int(f) * request().width);
    if (image && image->unet_extra.defined())
      unet->set_extra_input(at::upsample_nearest2d(image->unet_extra.to(opts), {up.size(2), up.size(3)}));

    StepPreviews previews(model, preview_options(), taesd_timing, up.size(2), up.size(3));
    HiresSigmas rs = hires_sigmas(plan, *schedule);
    PlanRunOptions ro = runner_options(rs.sigmas, up.sizes(), previews);
    ro.step_offset = base_steps;
    ro.phase = Phase::Hires;
    const at::Tensor unit = ro.noise(0.0, rs.sigma_r);
    at::Tensor x = up + unit * rs.sigma_r;
    sampling::CfgDenoiserOptions o = sigmas.options;  // a diffusers timestep table belongs to the base σ sequence
    if (o.timestep_mode == sampling::TimestepMode::Table) o.timestep_mode = sampling::TimestepMode::Rounded;
    DenoiserFactory factory = unet->factory(o);
    PassBlend blend;  // after an inpaint the pass repaints the mask only; outside it keeps the upscaled base result
    if (image && image->latent_mask.defined())
      blend = blend_pass(*image, up, unit, at::upsample_nearest2d(image->latent_mask.to(opts), {up.size(2), up.size(3)}),
                         factory, ro);
    const auto t = Clock::now();
    previews.start_sampling();
    PlanRunResult rr = run_plan(hires_pass_plan(plan), factory, x, ro);
    rr.x = blend.finish(rr.x);
    res.record.seconds_hires = since(t);
    finish_pass(previews);
    res.record.seconds_sampling += res.record.seconds_hires;
    res.record.steps_used += rr.steps_used;
    res.record.steps_planned += rr.steps_planned;
    res.record.hires = true;
    res.record.hires_steps = rr.steps_used;
    res.record.hires_sigma = rs.sigma_r;
    res.latents = rr.x;
    check_cancel();
  }

  void decode() {
    const auto t = Clock::now();
    emit(StepEvent{res.record.steps_used, res.record.steps_used, 0.0, Phase::Decode});
    at::Tensor imgs = decode_latents(*model.vae, res.latents, options.vae_tile_latent);
    for (int64_t i = 0; i < imgs.size(0); ++i)
      res.images.push_back(image ? paste_back(imgs[i], *image) : to_image(imgs[i]));
    res.record.seconds_decode = since(t);
  }

  PreviewOptions preview_options() const {
    return {options.preview_size, options.taesd_every, options.taesd_budget};
  }
};

// request.image: the canvas (picture, mask, outpaint) and what sampling needs of it; res.request gets the
// processing size.
PreparedImage Pipeline::prepare_request_image(const GenerationRequest& req, const models::LoadedModel& m,
                                              const GenerateInputs& in, GenerationResult& res) {
  const ImageInput& ii = *req.image;
  const bool masked_area = ii.inpaint() && ii.inpaint_area == InpaintArea::Masked;
  ImageCanvas canvas = load_canvas(ii, masked_area ? 0 : req.width, masked_area ? 0 : req.height,
                                   options_.read_image, req.seed, m.vae->config().downscale());
  for (at::Tensor* t : {&canvas.picture, &canvas.mask, &canvas.source_latents})
    if (t->defined()) *t = t->to(options_.device);
  res.notes = canvas.notes;
  const MaskHandling handling = ii.strength_rule == StrengthRule::Diffusers ? MaskHandling::Diffusers : MaskHandling::A1111;
  EncodeNoise noise(in.encode_noise, req.noise, req.seed);
  PreparedImage p = prepare_image(std::move(canvas), ii, handling, *m.vae, m.unet->config().in_channels,
                                  masked_area ? req.width : 0, masked_area ? req.height : 0, noise, req.seed,
                                  req.noise, options_.vae_tile_latent);
  res.request.width = int(p.width);
  res.request.height = int(p.height);
  return p;
}

GenerationResult Pipeline::run(const GenerationRequest& req, const StepSink& on_step, const std::atomic<bool>& cancel,
                               const GenerateInputs& in) {
  const auto t0 = Clock::now();
  at::NoGradGuard no_grad;
  GenerationResult res;
  res.request = req;
  auto m = model(req.model, req.unet, req.vae);
  if (!m->unet || !m->vae) throw Error(m->name + ": the model needs a UNet and a VAE");
  // LoRA networks and embeddings (core/lora): the prompt's tags and the request's networks resolved to files and
  // every file checked before any weight changes; then the model carries exactly these (none: its own weights).
  const lora::PreparedPrompt networks = lora::prepare_networks(req, *networks_);
  res.record.networks = networks.networks;
  const bool draft = req.preset == Preset::Draft;
  if (draft && !m->student_info) throw Error(no_student_message(*m));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (draft && !m->student_unet) {
      lora::set_networks(*m, {});  // the student is made from the teacher's own weights
      m->student_unet = std::make_shared<const UNet2DCondition>(load_student_unet(*m, *m->student_info));
    }
    lora::set_networks(*m, networks.networks);  // a UNet network reaches the teacher only, a text one both
  }
  const UNet2DCondition& net = draft ? *m->student_unet : *m->unet;
  PromptText text{networks.prompt, networks.negative_prompt, lora::model_prompt_embeddings(*m, networks, *networks_)};
  std::optional<PreparedImage> prepared;
  if (req.image) {
    prepared = prepare_request_image(req, *m, in, res);
  } else if (m->unet->config().in_channels == 9) {
    throw Error(m->name + ": the UNet takes 9 input channels (an inpainting model): give a picture and a mask");
  }
  // The library row and image metadata keep the plan that ran.
  if (in.plan) {
    res.record.plan = *in.plan;
  } else if (draft) {
    validate_request(res.request);
    res.record.plan = draft_plan(res.request, draft_defaults(*m->student_info));
  } else {
    res.record.plan = plan_for(res.request);
  }
  res.record.model_name = m->name;
  res.record.model_hash = m->short_hash;
  struct ReleaseContext {  // the UNet's kept context and K/V memos, however the generation ends
    const UNet2DCondition& unet;
    ~ReleaseContext() { unet.release_context(); }
  } release_context{net};

  Run run{options_, taesd_timing_, *m, net, res.plan(), on_step, cancel, res, t0};
  if (draft) run.scheduler.original_inference_steps = m->student_info->original_inference_steps;
  if (prepared) run.image = &*prepared;
  run.text = &text;
  run.condition();
  run.denoise(in);
  if (res.plan().hires) run.hires();
  res.record.unet_evals = int(run.unet->evaluations());
  res.seconds_unet = run.unet->seconds();
  run.decode();
  res.record.seconds_total = since(run.t0);
  res.status = GenerationResult::Status::Ok;
  return res;
}

}  // namespace ripen
