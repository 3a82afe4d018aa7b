// libFuzzer target over the ComfyUI graph importer (imageio/comfyui_import.h): the input is tried as the API
// "prompt" graph and as the editor "workflow" graph; any text gives a request or nullopt, never a throw.
#include <cstddef>
#include <cstdint>
#include <string>

#include "imageio/comfyui_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string s(reinterpret_cast<const char*>(data), size);
  for (const auto& p : {ripen::imageio::parse_comfyui(s, ""), ripen::imageio::parse_comfyui("", s)})
    if (p && p->negative_zeroed && !p->request.negative_prompt.empty()) __builtin_trap();
  return 0;
}
