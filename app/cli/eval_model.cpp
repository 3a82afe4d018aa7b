#include "cli/eval_model.h"

#include "tensors/error.h"
#include "tensors/safetensors.h"

namespace ripen::cli {

at::ScalarType parse_dtype_flag(const std::string& s) {
  if (s == "fp32" || s == "float32") return at::kFloat;
  if (s == "fp16" || s == "float16") return at::kHalf;
  if (s == "bf16" || s == "bfloat16") return at::kBFloat16;
  throw UsageError{"--dtype must be fp32, fp16 or bf16 (got '" + s + "')"};
}

at::Device parse_device_flag(const std::string& s) {
  if (s == "cpu") return at::kCPU;
  if (s == "cuda" || s.rfind("cuda:", 0) == 0) {
    if (!at::hasCUDA()) throw ripen::Error("--device " + s + ": this build of libtorch has no CUDA device available");
    return at::Device(s);
  }
  throw UsageError{"--device must be cpu or cuda (got '" + s + "')"};
}

EvalModelRun parse_eval_model_flags(Args& args, const std::vector<std::string>& components) {
  EvalModelRun r;
  r.model = args.require("--model");
  r.inputs = args.require("--inputs");
  r.output = args.require("--output");
  r.options.dtype = parse_dtype_flag(args.get_or("--dtype", "fp32"));
  r.options.device = parse_device_flag(args.get_or("--device", "cpu"));
  r.options.config_dir = args.get_or("--config", "");
  r.options.unet_path = args.get_or("--unet", "");
  r.options.vae_path = args.get_or("--vae", "");
  if (auto p = args.get("--prediction")) {
    try {
      r.options.prediction = models::parse_prediction(*p);
    } catch (const ripen::Error& e) {
      throw UsageError{e.what()};
    }
  }
  args.finish();
  r.options.components = components;
  r.options.compute_hash = false;
  return r;
}

void save_eval_outputs(const std::string& path, const std::map<std::string, at::Tensor>& outputs) {
  std::map<std::string, at::Tensor> cpu;
  for (const auto& [k, t] : outputs) {
    if (!t.defined()) continue;
    at::Tensor c = t.detach().to(at::kCPU);
    if (at::isFloatingType(c.scalar_type())) c = c.to(at::kFloat);
    cpu[k] = c.contiguous();
  }
  save_safetensors(path, cpu);
}

}  // namespace ripen::cli
