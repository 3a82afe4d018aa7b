#pragma once
// `ripen-cli generate`'s picture inputs (img2img / inpaint / outpaint, pipeline/image_input.h): the flags, the
// encode-noise file and the picture reader the engine gets from the app.
#include <ATen/ATen.h>

#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "pipeline/image_input.h"
#include "pipeline/stage_image.h"

namespace ripen::cli {

// --init-image F --strength S --strength-rule a1111|diffusers --mask M --mask-blur N --inpaint-area full|masked
// --masked-padding N --masked-content fill|original|latent_noise|latent_nothing --outpaint L,R,T,B
// --outpaint-fill edge|noise. Absent --init-image: nullopt (other picture flags are then an error).
// `diffusers_parity` (--parity diffusers) makes diffusers' strength rule and mask handling the default.
std::optional<ImageInput> image_input_from_flags(Args& args, bool diffusers_parity);
std::string image_flags_help();
// --encode-noise FILE: tensors encode_noise.0, encode_noise.1, … in order.
std::vector<at::Tensor> encode_noise_flag(Args& args);
// imageio's reader (an engine-only build: a reader that says it has no codecs).
ImageReader cli_image_reader();

}  // namespace ripen::cli
