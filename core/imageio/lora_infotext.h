#pragma once
// LoRA networks in AUTOMATIC1111's infotext, as A1111 writes and reads them.
//
// Writing (extensions-builtin/Lora/extra_networks_lora.py activate): "Lora hashes" is a dict from each network's
// name as mentioned in the prompt, with ':' and ',' removed, to its 12-digit short hash, joined as
// "name: hash, name2: hash2" (a later network of the same name replaces the hash, keeping the first place); networks
// without a hash are left out, and without any the field is absent. The infotext's prompt is the prompt as typed,
// tags included; networks given beside the prompt (GenerationRequest::networks) are appended to it as
// <lora:NAME:TE[:UNET]> tags, as A1111 does for its "Add network to prompt" setting (sd_lora), so A1111 applies them.
//
// Reading (scripts/lora_script.py infotext_pasted): the field is split on ',', each item on its first ':', the
// name stripped and the hash stripped. On import Ripen moves the prompt's lora/lyco tags into
// GenerationRequest::networks (with their multipliers, and the hash of the same name), leaving the prompt as the
// text that was encoded; writing that request again gives the same tags back at the end of the prompt.
#include <map>
#include <string>
#include <vector>

#include "pipeline/request.h"

namespace ripen::imageio {

// The "Lora hashes" value for these networks; empty when none has a hash.
std::string lora_hashes_value(const std::vector<NetworkRef>& networks);
// A1111's reading of a "Lora hashes" value (name -> hash); items without ':' are skipped.
std::map<std::string, std::string> parse_lora_hashes(const std::string& value);
// The prompt with a <lora:NAME:TE[:UNET]> tag appended for each network.
std::string prompt_with_network_tags(const std::string& prompt, const std::vector<NetworkRef>& networks);
// The tag for one network: UNET written only when it differs from TE; numbers as Python prints floats.
std::string network_tag(const NetworkRef& n);

// Moves the prompt's network tags into `networks` (appended, hashes from `hashes` by name). A prompt whose tags
// do not parse (a multiplier that is not a number) is left as it is, with no networks taken from it.
void take_network_tags(std::string& prompt, std::vector<NetworkRef>& networks,
                       const std::map<std::string, std::string>& hashes);

}  // namespace ripen::imageio
