#pragma once
// A safetensors file's bytes in memory (the same layout save_safetensors writes), for a caller that stores them
// itself: the seed library writes a result's latents atomically beside its image.
#include <ATen/ATen.h>

#include <map>
#include <string>

namespace ripen {

std::string safetensors_bytes(const std::map<std::string, at::Tensor>& tensors,
                              const std::map<std::string, std::string>& metadata = {});

}  // namespace ripen
