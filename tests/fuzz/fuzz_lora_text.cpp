// libFuzzer target over the text parsers around LoRA networks: the prompt's <lora:...> tags (lora/prompt_tags.h)
// and the safetensors metadata the networks panel reads (ss_tag_frequency JSON, architecture hints:
// lora/network_metadata.h). Any input must give a result or ripen::Error, and a tag written from a parsed network
// must read back as that network. Plain C++20 without libtorch, so it builds with clang (tests/fuzz/README.md).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "lora/network_metadata.h"
#include "lora/prompt_tags.h"
#include "tensors/error.h"

namespace {

// A tag written from the network parses back to it (names A1111's syntax can carry: no ':', '>', '=').
void check_round_trip(const ripen::NetworkRef& n) {
  if (n.name.find_first_of(":>=") != std::string::npos) return;
  char te[40], unet[40];
  std::snprintf(te, sizeof te, "%.17g", n.te);
  std::snprintf(unet, sizeof unet, "%.17g", n.unet);
  const auto back = ripen::lora::extract_network_tags("<lora:" + n.name + ":" + te + ":unet=" + unet + ">");
  if (back.networks.size() != 1 || back.networks[0].name != n.name || back.networks[0].te != n.te ||
      back.networks[0].unet != n.unet || !back.prompt.empty())
    __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string s(reinterpret_cast<const char*>(data), size);
  try {
    const auto tags = ripen::lora::extract_network_tags(s);
    if (tags.prompt.size() > s.size()) __builtin_trap();  // tags are only ever removed
    for (const auto& n : tags.networks) {
      if (!std::isfinite(n.te) || !std::isfinite(n.unet)) __builtin_trap();
      check_round_trip(n);
    }
  } catch (const ripen::Error&) {
  }
  int64_t last = INT64_MAX;
  for (const auto& t : ripen::lora::trigger_tags({{"ss_tag_frequency", s}})) {
    if (t.count > last) __builtin_trap();  // most frequent first
    last = t.count;
  }
  const std::string arch = ripen::lora::arch_from_metadata({{"ss_base_model_version", s}, {"modelspec.architecture", s}});
  if (!arch.empty() && arch != "sd1" && arch != "sd2" && arch != "sdxl") __builtin_trap();
  return 0;
}
