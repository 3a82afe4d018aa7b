#pragma once
// `--lora FILE[:TE[:UNET]]` (repeatable, in order of application): one number sets both multipliers, two set the
// text-encoder and UNet multipliers (AUTOMATIC1111's <lora:NAME:TE:UNET>); none means 1. Shared by generate, eval.
#include <string>
#include <vector>

#include "cli/command.h"
#include "models/model.h"
#include "pipeline/request.h"

namespace ripen::cli {

NetworkRef parse_lora_flag(const std::string& value);  // UsageError on a bad value
std::vector<NetworkRef> lora_flags(Args& args);         // consumes every --lora
// Merges them into `model` (lora/apply.h); modules that match nothing are listed on stderr.
void merge_networks(models::LoadedModel& model, const std::vector<NetworkRef>& networks);

}  // namespace ripen::cli
