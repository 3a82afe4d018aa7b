// ripen-cli eval --component unet (see cli/eval_model.h for flags).
//   IN: sample [B,4,h,w], timestep (scalar or [B]), encoder_hidden_states [B,T,C]; SDXL also text_embeds [B,P]
//   and time_ids [B,6] -> model_output (the raw eps or v prediction).
//   --guidance-embed W: for a UNet with time_cond_proj_dim (LCM), the guidance embedding of W as timestep_cond.
//   --lora FILE[:TE[:UNET]] (repeatable): LoRA networks merged into the UNet first (cli/lora_flags.h).
//   W is the LCM w, already guidance_scale − 1 (nets/embeddings.h); without the flag the UNet gets zeros.
#include "cli/eval_model.h"
#include "cli/lora_flags.h"
#include <ATen/core/grad_mode.h>
#include <cmath>
#include "nets/embeddings.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

namespace ripen::cli {
namespace {

int eval_unet(Args& args) {
  // get_double refuses NaN, so NaN here means the flag is absent.
  const double guidance_embed = args.get_double("--guidance-embed", NAN);
  const auto networks = lora_flags(args);
  auto run = parse_eval_model_flags(args, {"unet"});
  auto in = SafeTensors::open(run.inputs);
  for (const char* k : {"sample", "timestep", "encoder_hidden_states"})
    if (!in.contains(k)) throw ripen::Error(run.inputs + ": missing tensor '" + std::string(k) + "'");
  auto model = models::load_model(run.model, run.options);
  merge_networks(model, networks);
  const auto& unet = *model.unet;
  auto opts = at::TensorOptions().dtype(unet.dtype()).device(unet.device());
  at::Tensor sample = in.tensor("sample", opts);
  at::Tensor t = in.tensor("timestep", at::TensorOptions().dtype(at::kFloat).device(unet.device())).reshape({-1});
  if (t.numel() == 1) t = t.expand({sample.size(0)}).contiguous();
  at::Tensor context = in.tensor("encoder_hidden_states", opts);
  std::optional<UNetAddedCond> added;
  if (unet.config().has_text_time()) {
    for (const char* k : {"text_embeds", "time_ids"})
      if (!in.contains(k)) throw ripen::Error(run.inputs + ": missing tensor '" + std::string(k) + "' (SDXL UNet)");
    added = UNetAddedCond{in.tensor("text_embeds", opts), in.tensor("time_ids", opts)};
  }
  at::Tensor timestep_cond;
  if (!std::isnan(guidance_embed)) {
    if (!unet.config().has_time_cond())
      throw UsageError{"--guidance-embed: the UNet of " + run.model +
                       " has no time_cond_proj_dim (it takes no guidance embedding; only LCM-distilled UNets do)"};
    timestep_cond = nn::guidance_scale_embedding(at::full({1}, guidance_embed, at::kFloat),
                                                 unet.config().time_cond_proj_dim);
  }
  at::NoGradGuard no_grad;
  at::Tensor out = unet.forward(sample, t, context, added ? &*added : nullptr, timestep_cond);
  save_eval_outputs(run.output, {{"model_output", out}});
  return 0;
}

RegisterEvalComponent reg{"unet", eval_unet};

}  // namespace
}  // namespace ripen::cli
