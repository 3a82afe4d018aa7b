#pragma once
// The GenerationRequest fields as ripen-cli flags, shared by `generate`, `promote` and `bench`.
#include <string>

#include "cli/command.h"
#include "pipeline/request.h"

namespace ripen::cli {

// Reads every request flag present (--model --unet --vae --prompt --negative --seed --size WxH --batch --preset --sampler
// --schedule --steps --cfg --cfg-schedule a,b,c --clip-skip --noise --eta --s-noise --solver-type --hires
// --hires-strength --hires-steps --hires-upscale image|latent --polish-sigma) over `base`, then validates.
// Bad values throw UsageError with one line.
GenerationRequest request_from_flags(Args& args, GenerationRequest base = {});
std::string request_flags_help();

}  // namespace ripen::cli
