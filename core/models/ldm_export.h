#pragma once
// The inverse of the single-file mapping: diffusers-keyed component weights -> one LDM-layout state dict
// (fused OpenCLIP in_proj, transposed text_projection, VAE attention as 1x1 convs). Used to make test and
// benchmark checkpoints (e.g. a full-size random SD1.5 in A1111 layout) and to export.
#include <ATen/ATen.h>

#include <map>
#include <string>

#include "models/detect.h"

namespace ripen::models {

using ComponentWeights = std::map<std::string, std::map<std::string, at::Tensor>>;  // component -> key -> tensor

std::map<std::string, at::Tensor> to_ldm_checkpoint(Arch arch, const ComponentWeights& components);

}  // namespace ripen::models
