#pragma once
// An LCM student's trainable parameters and the UNet weights they stand for, and the student folder they are
// saved as (the format: docs in README "Distilled students"; the Draft preset reads it).
//   full  every UNet weight is trained (a copy of the teacher's to start);
//   lora  the teacher's weights stay, a LoRA of `rank` on the layers LCM-LoRA adapts (attention, feed-forward,
//         proj_in/out, resnet convs and time projections, down/up samplers) is trained: W = W₀ + up·down
//         (alpha = rank, so scale 1), saved in the kohya / A1111 format other tools load.
// Either kind may take LCM's guidance embedding (time_cond_proj_dim > 0): a new `time_embedding.cond_proj`, zero
// at the start, so that a fresh student computes exactly what its teacher does.
#include <map>
#include <string>
#include <vector>

#include "nets/unet.h"
#include "tensors/params.h"

namespace ripen::training {

enum class StudentKind { Full, Lora };
StudentKind student_kind_from_string(const std::string& s);  // "full" | "lora"; throws otherwise
std::string to_string(StudentKind kind);

struct StudentSpec {
  StudentKind kind = StudentKind::Full;
  int64_t rank = 32;
  int64_t time_cond_proj_dim = 256;  // 0: no guidance embedding
};

// Whether LCM-LoRA adapts the UNet weight `key` (diffusers key).
bool lora_adapts(const std::string& key);
// kohya's module name of a diffusers UNet weight key: "lora_unet_" + the module path with '.' -> '_'.
std::string kohya_unet_name(const std::string& weight_key);

class LcmStudent {
 public:
  // teacher_weights: the teacher UNet's parameters by diffusers key (any dtype; copied to fp32 on `device`).
  LcmStudent(const StudentSpec& spec, const UNetConfig& teacher_config,
             const std::map<std::string, at::Tensor>& teacher_weights, uint64_t seed, at::Device device);

  const StudentSpec& spec() const { return spec_; }
  const UNetConfig& config() const { return config_; }  // the teacher's, with time_cond_proj_dim
  ParamStore& params() { return params_; }
  const ParamStore& params() const { return params_; }

  // The UNet's weights for a set of this student's parameters (the live ones, keeping autograd, or the EMA's).
  std::map<std::string, at::Tensor> unet_weights(const std::map<std::string, at::Tensor>& params) const;
  UNet2DCondition bind(const std::map<std::string, at::Tensor>& params) const;

  // Writes the student folder from `params` (fp16): student.json with `info` merged in, and unet/ (full) or
  // lora.safetensors + cond_proj.safetensors (lora). Replaces an existing folder as a whole.
  void save(const std::string& dir, const std::map<std::string, at::Tensor>& params,
            const nlohmann::json& info) const;
  // The student as one diffusers UNet folder (config.json + diffusion_pytorch_model.safetensors, fp16), whatever
  // its kind: what a request's `unet` override loads (evaluation, and other tools).
  void save_unet(const std::string& dir, const std::map<std::string, at::Tensor>& params) const;

 private:
  struct LoraTarget {
    std::string key, name;  // UNet weight key, kohya module name
    std::vector<int64_t> shape;
    int64_t rank;
  };
  StudentSpec spec_;
  UNetConfig config_;
  std::map<std::string, at::Tensor> base_;  // teacher weights, fp32 (lora kind)
  std::vector<LoraTarget> targets_;
  ParamStore params_;
};

inline const char* const kCondProjKey = "time_embedding.cond_proj.weight";

}  // namespace ripen::training
