#pragma once
// Shared flags of the model-component evals (eval_text.cpp, eval_unet.cpp, eval_vae.cpp):
//   --model PATH --inputs IN --output OUT.safetensors [--dtype fp32|fp16|bf16] [--device cpu|cuda]
//   [--config DIR] [--prediction eps|v] [--unet FILE|DIR] [--vae FILE] (models/unet_file.h)
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

#include "cli/command.h"
#include "models/model.h"

namespace ripen::cli {

struct EvalModelRun {
  std::string model, inputs, output;
  models::LoadOptions options;
};

// Reads the shared flags (finishing the argument list) and sets options.components to `components`.
EvalModelRun parse_eval_model_flags(Args& args, const std::vector<std::string>& components);
at::ScalarType parse_dtype_flag(const std::string& s);
at::Device parse_device_flag(const std::string& s);
// Writes the outputs as float32 (int64 stays int64) on the CPU.
void save_eval_outputs(const std::string& path, const std::map<std::string, at::Tensor>& outputs);

}  // namespace ripen::cli
