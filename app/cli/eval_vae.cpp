// ripen-cli eval --component vae_decode|vae_encode (see cli/eval_model.h for flags).
//   vae_decode: IN latents in the UNet's latent space (before 1/scaling_factor) -> decoded (raw, not clamped)
//   vae_encode: IN image NCHW in [-1, 1] -> mean, logvar (VAE space; logvar clamped to [-30, 20])
#include "cli/eval_model.h"
#include <ATen/core/grad_mode.h>
#include "tensors/error.h"
#include "tensors/safetensors.h"

namespace ripen::cli {
namespace {

at::Tensor input(const SafeTensors& in, const std::string& path, const char* key, const AutoencoderKL& vae) {
  if (!in.contains(key)) throw ripen::Error(path + ": missing tensor '" + std::string(key) + "'");
  return in.tensor(key, at::TensorOptions().dtype(vae.dtype()).device(vae.device()));
}

int eval_vae_decode(Args& args) {
  auto run = parse_eval_model_flags(args, {"vae"});
  auto in = SafeTensors::open(run.inputs);
  auto model = models::load_model(run.model, run.options);
  const auto& vae = *model.vae;
  at::NoGradGuard no_grad;
  at::Tensor decoded = vae.decode(vae.from_latent(input(in, run.inputs, "latents", vae)));
  save_eval_outputs(run.output, {{"decoded", decoded}});
  return 0;
}

int eval_vae_encode(Args& args) {
  auto run = parse_eval_model_flags(args, {"vae"});
  auto in = SafeTensors::open(run.inputs);
  auto model = models::load_model(run.model, run.options);
  const auto& vae = *model.vae;
  at::NoGradGuard no_grad;
  auto m = vae.encode(input(in, run.inputs, "image", vae));
  save_eval_outputs(run.output, {{"mean", m.mean}, {"logvar", m.logvar}});
  return 0;
}

RegisterEvalComponent r1{"vae_decode", eval_vae_decode};
RegisterEvalComponent r2{"vae_encode", eval_vae_encode};

}  // namespace
}  // namespace ripen::cli
