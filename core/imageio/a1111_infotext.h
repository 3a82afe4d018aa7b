#pragma once
// AUTOMATIC1111's "parameters" text ("infotext"), written byte for byte as the web UI writes it and parsed back.
//
// Reference followed: AUTOMATIC1111/stable-diffusion-webui v1.10.x — modules/processing.py `create_infotext`
// (field order Steps, Sampler, Schedule type, CFG scale, Seed, Size, Model hash, Model, ..., Clip skip, ...,
// RNG, then extra_generation_params such as Eta) and modules/infotext_utils.py `quote` (values containing
// ',', ':' or a newline become json.dumps(value, ensure_ascii=False)) and `parse_generation_parameters`.
// Settings assumed at their web-UI defaults: model hash and model name on, no VAE override, no face
// restoration, no tiling, add_version_to_infotext off (a Ripen image must not claim an A1111 version).
// Values print as Python prints them: ints plainly, CFG scale as the UI's slider passes it (7, 7.5), other
// floats with Python's repr. Sampler labels are A1111's for the k-diffusion function names.
//
// The fields say what ran, from the resolved plan and the record (pipeline/plan.h ran_segments): Steps = the base
// pass's steps taken (an adaptive stop's tail included), Sampler = the sampler that ran the most of them, Schedule
// type = the plan's σ schedule, CFG scale = the guidance (its mean, to 0.1, when it varied), the Hires fields = the
// 2x pass. When those A1111 fields cannot say the whole plan (a preset other than custom, several samplers, a CFG
// schedule, adaptive stopping, ...), Ripen's own keys follow, which A1111 keeps as extra fields:
//   Ripen preset: fast           Ripen samplers: "Euler a 1-12, DPM++ 2M 13-15 (tail)"
//   Ripen CFG: "4.5 to 8.5 (1-12), 8.5 (13-15)"   Ripen stop: "converged at step 12 ..."
//   Ripen plan: "{...}"          the SamplingPlan's JSON, from which the importer restores the plan exactly.
//   Ripen model preset: sdxl-lightning-4step   the model preset (pipeline/model_presets.h) the settings came from.
// LoRA networks: "Lora hashes" and the prompt's <lora:...> tags, written and read as A1111 does (lora_infotext.h).
#include <map>
#include <optional>
#include <string>

#include "pipeline/presets.h"
#include "pipeline/request.h"

namespace ripen::imageio {

// The parameters text of one image: what was asked (prompt, seed, size, ...), the plan that ran and the record
// of the run (steps taken, model name and hash). The one builder for PNG metadata, exports and the library.
std::string a1111_parameters(const GenerationRequest& request, const SamplingPlan& plan, const GenerationRecord& record);

struct A1111Parameters {
  // Preset Custom unless the text has "Ripen preset"; fields A1111 does not carry keep their defaults. With a
  // "Ripen plan", the fields plan_for reads are set from it (set_request_from_plan).
  GenerationRequest request;
  GenerationRecord record;  // model_name, model_hash, steps_used, the 2x pass; plan and stop_reason from Ripen's keys
  std::map<std::string, std::string> fields;  // every "Key: value" of the last line, unquoted
};
// Returns nullopt when the text does not look like A1111 parameters (fewer than 3 fields on the last line).
std::optional<A1111Parameters> parse_a1111_parameters(const std::string& text);

// A1111 sampler label for a k-diffusion sampler name ("euler_ancestral" -> "Euler a"); unknown names pass through.
std::string a1111_sampler_label(const std::string& sampler, const std::string& solver_type);
std::string a1111_schedule_label(const std::string& schedule);
// Python's repr(float) ("7.0", "0.1", "1e-05").
std::string python_float_repr(double v);
// Python's json.dumps(s, ensure_ascii=False).
std::string python_json_string(const std::string& s);

}  // namespace ripen::imageio
