#pragma once
// What a LoRA's or embedding's safetensors `__metadata__` says about it, for the networks panel. The keys are
// kohya sd-scripts' (ss_*) and Stability's model spec (modelspec.*); all values are strings, JSON ones included.
#include <map>
#include <string>
#include <vector>

#include "lora/network_folders.h"

namespace ripen::lora {

using Metadata = std::map<std::string, std::string>;

// Trigger words as AUTOMATIC1111's Lora user-metadata editor builds them (ui_edit_user_metadata.py build_tags):
// ss_tag_frequency = {"dataset": {"tag": count, ...}, ...} summed over datasets per stripped tag; when the tags
// average 16 characters or more they are captions, not tags, and are split into words ([-_\w']+, 3 characters or
// more) whose counts are summed; most frequent first, ties in order of first appearance. Malformed JSON: none.
std::vector<TagCount> trigger_tags(const Metadata& m);

// "sdxl" when ss_base_model_version starts "sdxl_" or modelspec.architecture names stable-diffusion-xl, "sd2" for
// ss_v2 = "True" or a stable-diffusion-v2 architecture, "sd1" for a stable-diffusion-v1 architecture or any other
// kohya (ss_*) metadata (A1111's detect_version), "" when the metadata does not say.
std::string arch_from_metadata(const Metadata& m);

// Fills the panel fields of `info` (tags, trigger phrase, title, description, author, base model, arch, alias)
// from `m`.
void describe_from_metadata(NetworkInfo& info, const Metadata& m);

}  // namespace ripen::lora
