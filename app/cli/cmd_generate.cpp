// ripen-cli generate: one request from flags → PNG(s), latents, JSON, library rows.
#include <csignal>
#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "cli/generate_output.h"
#include "cli/image_flags.h"
#include "cli/request_flags.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

namespace ripen::cli {
namespace {
std::atomic<bool> g_cancel{false};
void on_sigint(int) { g_cancel = true; }

// The tensor `key` of a safetensors file given with `flag`.
at::Tensor tensor_flag(const char* flag, const std::string& file, const char* key) {
  if (!std::filesystem::exists(file)) throw UsageError{std::string(flag) + ": file '" + file + "' not found"};
  auto st = SafeTensors::open(file);
  if (!st.contains(key)) throw UsageError{std::string(flag) + ": " + file + " has no tensor '" + key + "'"};
  return st.tensor(key, at::TensorOptions().dtype(at::kFloat)).clone();
}

int run_generate(Args& args) {
  if (args.flag("--help")) {
    std::cerr << "usage: ripen-cli generate [flags]\n" << request_flags_help() << image_flags_help() << output_flags_help()
              << "  --init-latents FILE.safetensors  (tensor 'latents': the unit-variance initial noise [B,4,H/8,W/8],\n"
                 "                                   diffusers' `latents` argument, scaled by the start σ here)\n"
                 "  --step-noise FILE.safetensors    (tensor 'step_noise' [steps-1,B,4,H/8,W/8]: the fresh noise of\n"
                 "                                   ancestral/LCM steps, in draw order, instead of the seed's)\n";
    return 0;
  }
  GenerationRequest native;
  native.width = native.height = 0;  // without --size: the model's native size (Pipeline::generate resolves 0x0)
  session::Job job;
  job.request = request_from_flags(args, native);
  if (job.request.model != "embedded" && !std::filesystem::exists(job.request.model))
    throw UsageError{"model '" + job.request.model + "' not found"};
  for (const std::string* file : {&job.request.unet, &job.request.vae})
    if (!file->empty() && !std::filesystem::exists(*file)) throw UsageError{"'" + *file + "' not found"};
  OutputFlags out = output_flags(args);
  PipelineOptions po = pipeline_flags(args);
  job.request.image = image_input_from_flags(args, po.parity == Parity::Diffusers);
  job.inputs.encode_noise = encode_noise_flag(args);
  if (auto f = args.get("--init-latents")) job.inputs.initial_noise = tensor_flag("--init-latents", *f, "latents");
  if (auto f = args.get("--step-noise")) job.inputs.step_noise = tensor_flag("--step-noise", *f, "step_noise");
  args.finish();
  if (out.out.empty() && !out.json && out.save_latents.empty() && out.library.empty())
    throw UsageError{"nothing to write: give --out FILE.png, --json, --save-latents or --library"};

  session::GenerationSession session(po, library_store(out.library));
  std::signal(SIGINT, on_sigint);
  session::JobOutcome o = session.run(job, progress_sink(!out.quiet), g_cancel);
  std::signal(SIGINT, SIG_DFL);
  for (const std::string& note : o.result.notes) std::cerr << "note: " << note << "\n";
  return finish_result(o, out);
}

RegisterCommand reg{{"generate", "generate images from a prompt (fast | quality | lightning | custom)", run_generate,
                     {"--json", "--hires", "--quiet", "--help"}}};
}  // namespace
}  // namespace ripen::cli
