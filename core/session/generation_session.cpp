#include "session/generation_session.h"

#include "tensors/error.h"
#include "tensors/safetensors_bytes.h"

namespace ripen::session {
namespace {
GenerationResult failed(const GenerationRequest& request, const std::string& error) {
  GenerationResult r;
  r.request = request;
  r.status = GenerationResult::Status::Failed;
  r.error = error;
  return r;
}

at::Tensor row(const at::Tensor& t, size_t i) {
  return t.defined() ? t.slice(0, int64_t(i), int64_t(i) + 1) : at::Tensor();
}

GenerationRequest promoted_parent_request(GenerationRequest parent, const PromoteSettings& p) {
  parent.batch = 1;
  if (p.model) parent.model = *p.model;
  if (p.polish_sigma > 0) parent.polish_sigma = p.polish_sigma;
  if (p.polish_strength) parent.polish_strength = *p.polish_strength;
  if (p.hires) parent.hires = *p.hires;
  return parent;
}
}  // namespace

StoredImage stored_image(const GenerationResult& res, size_t i) {
  GenerationResult one;
  one.status = GenerationResult::Status::Ok;
  one.request = res.request;
  one.request.seed = res.request.seed + i;
  one.request.batch = 1;
  one.record = res.record;
  one.latents = row(res.latents, i);
  if (res.composition_latents.defined()) {
    one.composition_latents = row(res.composition_latents, i);
    one.composition_sigma = res.composition_sigma;
  }
  StoredImage s;
  s.request = one.request;
  s.record = res.record;
  s.image = &res.images.at(i);
  s.batch_index = int(i);
  if (one.latents.defined()) s.latents = safetensors_bytes(result_latent_tensors(one), result_latent_metadata(one));
  return s;
}

GenerationSession::GenerationSession(PipelineOptions options, std::unique_ptr<ResultStore> store)
    : pipeline_(std::make_unique<Pipeline>(std::move(options))), store_(std::move(store)) {}
GenerationSession::~GenerationSession() = default;

void GenerationSession::set_pipeline_options(const PipelineOptions& o) {
  const PipelineOptions& now = pipeline_->options();
  if (o.device == now.device && o.dtype == now.dtype && o.parity == now.parity &&
      o.network_folders.lora == now.network_folders.lora &&
      o.network_folders.embeddings == now.network_folders.embeddings)
    return;
  pipeline_ = std::make_unique<Pipeline>(o);
}

void GenerationSession::set_store(std::unique_ptr<ResultStore> store) { store_ = std::move(store); }

// The parent's request and latents: the given source, else this session's cache of recent results, else the
// latents file its store kept. Without latents (an imported image, an old library) continue and polish fall back
// to a re-render.
PromoteSource GenerationSession::promote_source_for(const Job& job, JobOutcome& out) {
  const PromoteSettings& p = *job.promote;
  PromoteSource src;
  if (job.source) {
    src = *job.source;
  } else {
    if (!job.parent) throw Error("promote: no parent given (a library id or a latents file)");
    if (!store_) throw Error("promote: no library is open to find generation " + std::to_string(*job.parent));
    auto parent = store_->parent(*job.parent);
    if (!parent) throw Error("generation " + std::to_string(*job.parent) + " is not in the library");
    src.request = parent->request;
    if (const LatentCache::Entry* cached = latents_.get(*job.parent)) {
      src.latents = cached->final;
      src.composition_latents = cached->composition;
      src.composition_sigma = cached->composition_sigma;
    } else if (!parent->latents.empty()) {
      try {
        PromoteSource stored = load_promote_source(parent->latents.string());
        src.latents = stored.latents;
        src.composition_latents = stored.composition_latents;
        src.composition_sigma = stored.composition_sigma;
        out.latents_from_store = true;
      } catch (const std::exception&) {
        // unreadable or gone (library check --repair reports it): re-render
      }
    }
  }
  src.request = promoted_parent_request(src.request, p);
  return src;
}

std::vector<int64_t> GenerationSession::keep(const GenerationResult& res) {
  if (!store_) return {};
  std::vector<StoredImage> images;
  for (size_t i = 0; i < res.images.size(); ++i) images.push_back(stored_image(res, i));
  std::vector<int64_t> ids = store_->store(images);
  for (size_t i = 0; i < ids.size(); ++i) {
    LatentCache::Entry e;
    if (res.latents.defined()) e.final = row(res.latents, i).clone();
    if (res.composition_latents.defined()) {
      e.composition = row(res.composition_latents, i).clone();
      e.composition_sigma = res.composition_sigma;
    }
    latents_.put(ids[i], std::move(e));
  }
  return ids;
}

JobOutcome GenerationSession::run(const Job& job, const StepSink& on_step, const std::atomic<bool>& cancel) {
  JobOutcome out;
  try {
    if (job.promote) {
      PromoteSource src = promote_source_for(job, out);
      PromoteMode mode = job.promote->mode;
      if ((mode == PromoteMode::Continue && !src.composition_latents.defined()) ||
          (mode == PromoteMode::Polish && !src.latents.defined()))
        mode = PromoteMode::Rerender;
      out.promoted = mode;
      out.result = promote(*pipeline_, src, mode, on_step, cancel);
      if (job.parent) out.result.request.parent_id = *job.parent;  // the stored row links the child to its parent
    } else {
      out.result = pipeline_->generate(job.request, on_step, cancel, job.inputs);
    }
    if (out.result.ok()) out.ids = keep(out.result);
  } catch (const std::exception& e) {
    out.ids.clear();
    out.result = failed(job.promote ? out.result.request : job.request, e.what());
  }
  return out;
}

}  // namespace ripen::session
