#include "pipeline/promote.h"

#include <cmath>

#include "models/model.h"
#include "sampling/schedules.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

namespace ripen {

PromoteSource promote_source(const GenerationResult& parent) {
  return {parent.request, parent.latents, parent.composition_latents, parent.composition_sigma};
}

GenerationRequest promoted_request(const GenerationRequest& parent, PromoteMode mode) {
  GenerationRequest r = parent;
  // A result's request carries its processing size, which for an outpaint is the grown canvas; the child asks for
  // the picture's size again and grows it by the same margins.
  if (r.image && r.image->outpaints() && r.width > 0 && r.height > 0) {
    r.width -= r.image->outpaint_width();
    r.height -= r.image->outpaint_height();
  }
  r.preset = Preset::Quality;
  r.promote = mode;
  return r;
}

double polish_sigma(Pipeline& pipeline, const GenerationRequest& child) {
  if (child.polish_sigma > 0) return child.polish_sigma;
  SamplingPlan q = plan_for(child);
  std::vector<double> s = sampling::make_sigmas(q.schedule, q.steps, *model_schedule(*pipeline.model(child.model)));
  int skip = std::clamp(int(std::lround(q.steps * (1.0 - child.polish_strength))), 0, q.steps - 1);
  return s[skip];
}

GenerationResult promote(Pipeline& pipeline, const PromoteSource& src, PromoteMode mode, const StepSink& on_step,
                         const std::atomic<bool>& cancel) {
  if (src.request.preset == Preset::Draft && mode == PromoteMode::Continue) mode = PromoteMode::Rerender;
  GenerationRequest child = promoted_request(src.request, mode);
  GenerateInputs in;
  try {
    switch (mode) {
      case PromoteMode::Continue:
        if (!src.composition_latents.defined() || !(src.composition_sigma > 0))
          throw Error("promote continue: the parent has no composition latent (only fast runs keep one)");
        in.start = StartPoint{src.composition_latents, src.composition_sigma, false};
        break;
      case PromoteMode::Polish:
        if (!src.latents.defined()) throw Error("promote polish: the parent has no final latents");
        in.start = StartPoint{src.latents, polish_sigma(pipeline, child), true};
        break;
      case PromoteMode::Rerender:
        break;
      case PromoteMode::None:
        throw Error("promote: no mode given (continue, rerender or polish)");
    }
  } catch (const std::exception& e) {
    GenerationResult failed;
    failed.request = child;
    failed.error = e.what();
    return failed;
  }
  return pipeline.generate(child, on_step, cancel, in);
}

std::map<std::string, at::Tensor> result_latent_tensors(const GenerationResult& result) {
  std::map<std::string, at::Tensor> t{{"latents", result.latents.to(at::kCPU, at::kFloat)}};
  if (result.composition_latents.defined())
    t["composition_latents"] = result.composition_latents.to(at::kCPU, at::kFloat);
  return t;
}

std::map<std::string, std::string> result_latent_metadata(const GenerationResult& result) {
  return {{"ripen_result", result.to_json().dump()}};
}

void save_result_latents(const std::string& path, const GenerationResult& result) {
  save_safetensors(path, result_latent_tensors(result), result_latent_metadata(result));
}

PromoteSource load_promote_source(const std::string& path) {
  SafeTensors f = SafeTensors::open(path);
  PromoteSource s;
  if (!f.contains("latents")) throw Error(path + ": no tensor 'latents'");
  s.latents = f.tensor("latents", at::TensorOptions().dtype(at::kFloat)).clone();
  if (f.contains("composition_latents"))
    s.composition_latents = f.tensor("composition_latents", at::TensorOptions().dtype(at::kFloat)).clone();
  auto it = f.metadata().find("ripen_result");
  if (it == f.metadata().end()) throw Error(path + ": no 'ripen_result' metadata (not written by ripen-cli)");
  try {
    auto j = nlohmann::json::parse(it->second);
    s.request = GenerationRequest::from_json(j.at("request"));
    s.composition_sigma = j.value("composition_sigma", 0.0);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": bad 'ripen_result' metadata: " + e.what());
  }
  return s;
}

}  // namespace ripen
