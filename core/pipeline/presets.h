#pragma once
// Presets are data: each one turns a request into a SamplingPlan (schedule, samplers per step range, guidance
// per step, adaptive stopping, the hires pass). The pipeline only executes plans, so adding a preset adds no code
// path. Torch-free, so the GUI can show what a preset will do.
#include <string>
#include <vector>

#include "pipeline/plan.h"
#include "pipeline/request.h"

namespace ripen {

// The Fast-Track plan: steps 1–6 euler_ancestral with CFG 4.5→6.0, steps 7–12 `kFastTrackMiddleSampler` with
// CFG 6.0→8.5, steps 13+ dpmpp_2m at 8.5; one Karras σ sequence over `steps`; adaptive 8–22.
extern const char* const kFastTrackMiddleSampler;
SamplingPlan fast_track_plan(int steps = 22);

// Guidance of the Fast-Track ramps at 1-based step s.
double fast_track_cfg(int step);

// The plan a request asks for (presets fill in what they decide; Custom takes every field from the request).
// Throws ripen::Error on invalid requests (unknown sampler or schedule, steps < 1, CFG not finite, ...).
SamplingPlan plan_for(const GenerationRequest& request);
// plan_for without validating the request, for describing requests read from elsewhere (an imported file's
// sampler may be one Ripen does not run). Never throws.
SamplingPlan describe_plan(const GenerationRequest& request);
// The plan a generation ran: its record's, else the one the request's preset makes (records without a plan:
// other tools' images, older Ripen images).
SamplingPlan plan_of(const GenerationRequest& request, const GenerationRecord& record);
// Sets the request fields plan_for reads from `plan`, for the request's preset, so that plan_for(request) == plan
// wherever that preset can say it (fast: nothing; lightning, draft: the steps; quality: the 2x pass; custom: all of them).
void set_request_from_plan(GenerationRequest& request, const SamplingPlan& plan);

// The Draft tier's numbers, from the model's student (pipeline/student_unet.h draft_defaults): its default steps
// and the guidance it embeds. Without a model (describing a request) these defaults stand in.
struct DraftDefaults {
  int steps = 4;
  double guidance = 8.0;
};
// LCM sampler on the LCM schedule, the request's steps when 1..8 else the student's, its guidance at every step.
SamplingPlan draft_plan(const GenerationRequest& request, const DraftDefaults& student);

// Custom requests with `adaptive` (model presets of few-step models): checkpoints every steps/4 steps, stopping from
// steps/2 on, finishing with one step of `sampler`.
AdaptivePlan few_step_adaptive(int steps, const std::string& sampler);

// Checks the request fields that do not need a model (size multiple of 8, batch, steps, CFG, names).
void validate_request(const GenerationRequest& request);


}  // namespace ripen
