#pragma once
// AUTOMATIC1111's extra-network tags in a prompt (modules/extra_networks.py parse_prompt, extensions-builtin/Lora
// extra_networks_lora.py activate):
//   every match of <(\w+):([^>]+)> is cut out of the prompt (unknown kinds too: A1111 removes them and skips them);
//   its arguments are split on ':'; an argument holding exactly one '=' is named (te=0.5, unet=0.8, dyn=16), the
//   others positional; NAME = the first positional; TE = the second positional (default 1), overridden by te=;
//   UNET = the third positional (default TE), overridden by unet=. `lora` and `lyco` (the old LyCORIS extension's
//   kind, which A1111 still accepts) are networks. dyn (the dynamic dim of a few LyCORIS files) is refused: Ripen
//   merges full rank only.
// A1111 parses the positive prompt only: tags in a negative prompt stay text, as they do there.
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/request.h"

namespace ripen::lora {

struct PromptNetworks {
  std::string prompt;                  // the prompt with every tag removed (what is encoded)
  std::vector<NetworkRef> networks;    // lora/lyco tags in prompt order; path and hash empty
  std::vector<std::string> ignored;    // tags of other kinds (<hypernet:...>), removed and not applied
};

// Throws ripen::Error naming the tag when a multiplier is not a number or the tag has no NAME.
PromptNetworks extract_network_tags(std::string_view prompt);

}  // namespace ripen::lora
