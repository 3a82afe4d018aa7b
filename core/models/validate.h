#pragma once
// The one check of a model's weights against its configs, shared by `ripen-cli info`, the loader (`generate`),
// the studio's model picker and everything else that opens a model. It reads tensor shapes only (the
// safetensors headers, through ModelSource's unread views of the mapped files): each network is declared
// against meta tensors of the stored shapes, so the rules are the networks' own `bind` code, the same that
// loading runs, and a model that passes here loads. Then the components are checked against each other
// (the UNet's latent channels against the VAE's, its cross-attention width against the text encoders', SDXL's
// added-condition width against the pooled text and time ids).
#include <string>

#include "models/detect.h"

namespace ripen::models {

struct ModelSource;

// Throws ripen::Error listing every problem, each with the file, the key, the expected and the found shape
// (or the config field and both values).
void validate_model_source(const ModelSource& source);

// open_model_source + validate_model_source.
void validate_model(const std::string& path, const LoadOptions& options = {});

}  // namespace ripen::models
