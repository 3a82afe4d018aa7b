#pragma once
// Promotion of a fast result to a quality final (design.md, "Seed parity and promotion"):
//   Continue: start the quality sampler from the fast run's composition latent at σ_c (same seed, same Brownian
//             path), so the composition phase is kept exactly;
//   Rerender: the same seed in quality mode from σ_max;
//   Polish:   re-noise the fast result's final latent to σ_r along the image seeds' Brownian paths and finish
//             with the quality sampler.
// Results carry request.promote = mode; request.parent_id is the caller's (library row).
// A Draft parent was denoised by the model's student, another network: its composition latent is not a point on
// the teacher's path, so Continue rerenders the seed with the teacher instead (the child says Rerender).
#include <ATen/ATen.h>

#include <map>
#include <string>

#include "pipeline/pipeline.h"

namespace ripen {

struct PromoteSource {
  GenerationRequest request;      // the parent's request
  at::Tensor latents;             // final latents [B, 4, h, w] (polish)
  at::Tensor composition_latents; // x at σ_c (continue)
  double composition_sigma = 0;
};

PromoteSource promote_source(const GenerationResult& parent);

// The child request: quality preset, same seed/prompt/size/model and start picture (mask, strength, margins),
// promote = mode.
GenerationRequest promoted_request(const GenerationRequest& parent, PromoteMode mode);
// σ_r for polish: request.polish_sigma when set, else the quality schedule's σ at (1 − polish_strength) of the way.
double polish_sigma(Pipeline& pipeline, const GenerationRequest& child);

// Never throws (like Pipeline::generate): problems come back as a Failed result.
GenerationResult promote(Pipeline& pipeline, const PromoteSource& source, PromoteMode mode, const StepSink& on_step = {},
                         const std::atomic<bool>& cancel = Pipeline::never_cancel());

// A result's latents as safetensors: `latents` (UNet space, σ = 0), `composition_latents` when present, and the
// result JSON as metadata "ripen_result" — what `ripen-cli promote --latents` reads back.
void save_result_latents(const std::string& path, const GenerationResult& result);
// The same file's tensors and metadata (for a store that writes the bytes itself).
std::map<std::string, at::Tensor> result_latent_tensors(const GenerationResult& result);
std::map<std::string, std::string> result_latent_metadata(const GenerationResult& result);
PromoteSource load_promote_source(const std::string& path);

}  // namespace ripen
