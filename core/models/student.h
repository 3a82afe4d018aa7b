#pragma once
// A model's latent-consistency student (the Draft tier): the folder `ripen-cli train distill` writes, described by
// its student.json. A folder model's `<folder>/student/` is found by load_model (as `predictor/` is), or
// LoadOptions::student_path names one. Only the description is read here; the student's UNet is built from the
// teacher on first use (pipeline/student_unet.h), so a model whose Draft tier is never used pays nothing for it.
//
// student.json: {"format": "ripen-lcm-student", "version": 1, "kind": "lora" | "full", "time_cond_proj_dim": N,
// "guidance": G, ["guidance_range": [lo, hi], "original_inference_steps": 50, "steps": 4, "retention_weight",
// "lora_rank", "teacher", "trained_steps"]}. Unknown and missing required keys are errors naming the file and key.
//   kind "lora": lora.safetensors (kohya LoRA of the teacher's UNet, merged at strength 1) and, when
//                time_cond_proj_dim > 0, cond_proj.safetensors (time_embedding.cond_proj.weight [ch0, dim]);
//   kind "full": unet/ (a diffusers UNet2DConditionModel folder); the teacher gives everything else.
#include <array>
#include <cstdint>
#include <string>

namespace ripen::models {

struct StudentInfo {
  std::string dir;    // the student folder
  std::string file;   // its student.json, for messages
  std::string kind;   // "lora" | "full"
  int64_t time_cond_proj_dim = 0;  // > 0: the UNet takes LCM's guidance embedding
  double guidance = 8.0;           // the guidance scale the Draft tier embeds
  std::array<double, 2> guidance_range{3.0, 13.0};  // what it was trained on (informational)
  int original_inference_steps = 50;  // LCM's origin grid
  int steps = 4;                      // default Draft steps
  // Training facts, shown by `ripen-cli info`; not used for sampling.
  double retention_weight = 1.0;
  int64_t lora_rank = 0;
  std::string teacher;
  int64_t trained_steps = 0;
};

// Reads `<dir>/student.json`. Throws ripen::Error naming the file (and the key) when it is absent, not JSON, has an
// unknown or missing key or a value out of range, or when the files its kind needs are not in the folder.
StudentInfo read_student_info(const std::string& dir);

// `<model>/student` when the model is a folder holding student/student.json, else "".
std::string find_student_dir(const std::string& model_path);

}  // namespace ripen::models
