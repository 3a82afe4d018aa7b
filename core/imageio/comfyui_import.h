#pragma once
// ComfyUI PNGs carry two tEXt chunks written by its SaveImage node (nodes.py: PngInfo.add_text("prompt",
// json.dumps(prompt)) and one chunk per extra_pnginfo key, i.e. "workflow"):
//  - "prompt": the API-format graph, {"<node id>": {"class_type": "KSampler", "inputs": {"seed": 5, "model":
//    ["4", 0], ...}}, ...}; links are [node id, output index].
//  - "workflow": the editor graph, {"nodes": [{"id": 3, "type": "KSampler", "inputs": [{"name": "positive",
//    "link": 4}], "widgets_values": [seed, "fixed", steps, cfg, sampler, scheduler, denoise]}], "links":
//    [[id, from node, from slot, to node, to slot, type], ...]}.
// We take seed/steps/cfg/sampler/scheduler from the (first) KSampler or KSamplerAdvanced, the texts of the
// CLIPTextEncode nodes feeding its positive and negative inputs, the size of the EmptyLatentImage and the
// checkpoint name, and the LoraLoader / LoraLoaderModelOnly nodes between that checkpoint and the sampler's model
// input as GenerationRequest::networks in chain order (strength_model -> unet, strength_clip -> te; ModelOnly: te 0).
// A ConditioningZeroOut on a text path means "no conditioning": that prompt imports empty and is marked zeroed,
// never as the text the zero-out node swallowed. A sampler fed by another sampler's latent (an SDXL refiner stage)
// is not imported but reported in `notes`.
// "prompt" is used when present, "workflow" otherwise.
#include <optional>
#include <string>
#include <vector>

#include "pipeline/request.h"

namespace ripen::imageio {

struct ComfyUIParameters {
  GenerationRequest request;
  GenerationRecord record;  // model_name from the checkpoint loader
  bool prompt_zeroed = false;    // the positive conditioning passes through ConditioningZeroOut
  bool negative_zeroed = false;  // the negative one does (SDXL's default graph)
  std::vector<std::string> notes;  // what the graph does that the request does not carry
};

std::optional<ComfyUIParameters> parse_comfyui(const std::string& prompt_json, const std::string& workflow_json);

}  // namespace ripen::imageio
